"""Mini-program sign-in with WeChat (binding on first use) and new-mail subscribe messages."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.mail import mailbox
from mailcore.store.errors import MailError
from mailcore.security.errors import SecurityError
from mailcore.wechat import miniprogram, subscribe
from schema.auth.resolvers import signed_in, user_agent
from schema.auth.types import AuthError
from schema.errors import query_error
from schema.mail.types import Conversation
from schema.miniprogram.types import (
    BindWechatResult,
    MailNotifications,
    MailNotificationsResult,
    MiniprogramConfig,
    WechatBindRequired,
    WechatLoginResult,
)
from schema.permissions import IsAuthenticated


@strawberry.type
class MiniprogramQuery:
    @strawberry.field(description="Server settings the mini-program needs (no sign-in).")
    def miniprogram_config(self, info: Info) -> MiniprogramConfig:
        settings = info.context.runtime.settings
        template = subscribe.template_id(settings)
        return MiniprogramConfig(
            wechat_enabled=bool(settings.wechat_appid and settings.wechat_secret),
            mail_template_id=template or None,
            code_template_id=(settings.wechat_appid and settings.wechat_code_template) or None,
            calendar_template_id=subscribe.calendar_template_id(settings) or None,
            time_zone=settings.time_zone,
            utc_offset=subscribe.utc_offset(settings),
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One conversation with its messages, oldest first (not Trash or Spam).",
    )
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation:
        try:
            return Conversation(
                conversation=await mailbox.get_conversation(info.context.member_id, id)
            )
        except MailError as exc:
            raise query_error(exc) from exc

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def my_mail_notifications(self, info: Info) -> MailNotifications:
        template = subscribe.template_id(info.context.runtime.settings)
        remaining = await subscribe.credits_of(info.context.member_id, template) if template else 0
        return MailNotifications(template_id=template or None, remaining=remaining)


@strawberry.type
class MiniprogramMutation:
    @strawberry.mutation(
        description="Mini-program: sign in with a wx.login code; unbound accounts get a ticket."
    )
    async def wechat_login(self, info: Info, code: str) -> WechatLoginResult:
        context = info.context
        try:
            outcome = await miniprogram.wechat_login(
                context.runtime.settings,
                code,
                ip=context.client_ip,
                user_agent=user_agent(context),
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        if isinstance(outcome, miniprogram.BindRequired):
            return WechatBindRequired(ticket=outcome.ticket, expires_in=outcome.expires_in)
        return signed_in(outcome)

    @strawberry.mutation(
        description="Bind the ticket's WeChat account to this mailbox and sign in."
    )
    async def bind_wechat_with_password(
        self,
        info: Info,
        ticket: str,
        email: str,
        password: str,
        code: Annotated[
            str | None, strawberry.argument(description="TOTP code, when the member has TOTP on.")
        ] = None,
    ) -> BindWechatResult:
        context = info.context
        try:
            outcome = await miniprogram.bind_with_password(
                context.runtime.settings,
                ticket,
                email,
                password,
                code=code,
                ip=context.client_ip,
                user_agent=user_agent(context),
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        return signed_in(outcome)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="requestSubscribeMessage accepted: WeChat may deliver one more new-mail note.",
    )
    async def accept_mail_notification(
        self, info: Info, template_id: str
    ) -> MailNotificationsResult:
        context = info.context
        try:
            row = await subscribe.accept(context.runtime.settings, context.member_id, template_id)
        except SecurityError as exc:
            return AuthError.of(exc)
        return MailNotifications(template_id=row.template_id, remaining=row.credits)

"""Types of the mini-program schema."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.auth.types import AuthError, LoginSuccess


@strawberry.type(description="This WeChat account is not bound yet: confirm the mailbox.")
class WechatBindRequired:
    ticket: str = strawberry.field(description="Pass to bindWechatWithPassword.")
    expires_in: int = strawberry.field(description="Seconds the ticket stays valid.")


@strawberry.type(description="What the mini-program needs to know about this server.")
class MiniprogramConfig:
    wechat_enabled: bool = strawberry.field(description="WeChat sign-in is configured.")
    mail_template_id: str | None = strawberry.field(
        description="Subscribe-message template for new mail (requestSubscribeMessage)."
    )
    code_template_id: str | None = strawberry.field(
        default=None,
        description="Subscribe-message template of confidential-mail codes sent by WeChat.",
    )
    calendar_template_id: str | None = strawberry.field(
        default=None,
        description="Subscribe-message template of calendar reminders (the WECHAT channel).",
    )
    time_zone: str = strawberry.field(
        default="Asia/Shanghai",
        description="IANA time zone members read times in (QIYOU_TIME_ZONE); reminders use it.",
    )
    utc_offset: int = strawberry.field(
        default=480,
        description="Minutes that zone is ahead of UTC now (for clients without zone data).",
    )


@strawberry.type(description="New-mail subscribe messages the member has accepted.")
class MailNotifications:
    template_id: str | None
    remaining: int = strawberry.field(description="Messages WeChat will still deliver.")


WechatLoginResult = Annotated[
    LoginSuccess | WechatBindRequired | AuthError, strawberry.union("WechatLoginResult")
]
BindWechatResult = Annotated[LoginSuccess | AuthError, strawberry.union("BindWechatResult")]
MailNotificationsResult = Annotated[
    MailNotifications | AuthError, strawberry.union("MailNotificationsResult")
]

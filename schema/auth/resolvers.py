"""Queries and mutations of sign-in: login (with second factors), completeLogin, logout, me."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.core.models import ClientKind
from mailcore.org.service import get_member, set_conversation_mode
from mailcore.org.sessions import logout as end_session
from mailcore.security.errors import SecurityError
from mailcore.security.login import Attempt, Challenge, SignedIn, complete_totp, sign_in
from mailcore.security.qr import png_base64
from schema.auth.types import (
    AuthError,
    CompleteLoginResult,
    LoginClient,
    LoginResult,
    LoginSuccess,
    Me,
    SecondFactorMethodType,
    SecondFactorRequired,
)
from schema.context import Context
from schema.permissions import IsAuthenticated

CLIENT_HEADER = "x-qiyou-client"


def client_kind(context: Context, argument: LoginClient | None) -> ClientKind:
    """The mini-program says so with the ``client`` argument or an X-Qiyou-Client header."""
    if argument is not None:
        return ClientKind(argument.value)
    header = context.request.headers.get(CLIENT_HEADER, "").strip().lower()
    return ClientKind.MINIPROGRAM if header == ClientKind.MINIPROGRAM.value else ClientKind.WEB


def user_agent(context: Context) -> str:
    return context.request.headers.get("user-agent", "")


def signed_in(outcome: SignedIn) -> LoginSuccess:
    return LoginSuccess(
        token=outcome.token,
        me=Me(member=outcome.member),
        must_change_password=outcome.must_change_password,
    )


def challenge(outcome: Challenge) -> SecondFactorRequired:
    return SecondFactorRequired(
        ticket=outcome.ticket,
        method=SecondFactorMethodType(outcome.method.value),
        qr_png=png_base64(outcome.qr_text) if outcome.qr_text else None,
        qr_text=outcome.qr_text,
        expires_in=outcome.expires_in,
    )


@strawberry.type
class AuthQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> Me:
        return Me(member=await get_member(info.context.member_id))


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Sign in. With secure login or TOTP on, answers SecondFactorRequired."
    )
    async def login(
        self,
        info: Info,
        email: str,
        password: str,
        client: LoginClient | None = None,
        wechat_code: Annotated[
            str | None,
            strawberry.argument(description="Mini-program: its wx.login code (WeChat as factor)."),
        ] = None,
    ) -> LoginResult:
        context = info.context
        attempt = Attempt(
            login=email,
            password=password,
            client=client_kind(context, client),
            ip=context.client_ip,
            user_agent=user_agent(context),
        )
        try:
            outcome = await sign_in(attempt, context.runtime.settings, wechat_code=wechat_code)
        except SecurityError as exc:
            return AuthError.of(exc)
        return signed_in(outcome) if isinstance(outcome, SignedIn) else challenge(outcome)

    @strawberry.mutation(description="Finish a TOTP login with a code from the app.")
    async def complete_login(self, info: Info, ticket: str, code: str) -> CompleteLoginResult:
        context = info.context
        try:
            outcome = await complete_totp(
                ticket,
                code,
                context.runtime.settings,
                ip=context.client_ip,
                user_agent=user_agent(context),
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        return signed_in(outcome)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def logout(self, info: Info) -> bool:
        await end_session(info.context.runtime.bus, info.context.identity.session_id)
        return True

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def set_conversation_mode(self, info: Info, enabled: bool) -> Me:
        return Me(member=await set_conversation_mode(info.context.member_id, enabled))

"""Queries and mutations of sign-in."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.org.errors import OrgError
from mailcore.org.service import get_member, set_conversation_mode
from mailcore.org.sessions import login as start_session
from mailcore.org.sessions import logout as end_session
from schema.auth.types import AuthError, AuthErrorCode, LoginResult, LoginSuccess, Me
from schema.permissions import IsAuthenticated

MAX_CREDENTIAL = 1024


@strawberry.type
class AuthQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> Me:
        return Me(member=await get_member(info.context.member_id))


@strawberry.type
class AuthMutation:
    @strawberry.mutation
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        if len(email) > MAX_CREDENTIAL or len(password) > MAX_CREDENTIAL:
            return AuthError(code=AuthErrorCode.INVALID, message="credentials too long")
        context = info.context
        try:
            token, member = await start_session(
                email,
                password,
                days=context.runtime.settings.session_days,
                client=context.request.headers.get("user-agent", ""),
                ip=context.client_ip,
            )
        except OrgError as exc:
            return AuthError(code=AuthErrorCode(exc.code.value), message=exc.message)
        return LoginSuccess(token=token, me=Me(member=member))

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def logout(self, info: Info) -> bool:
        await end_session(info.context.identity.session_id)
        return True

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def set_conversation_mode(self, info: Info, enabled: bool) -> Me:
        return Me(member=await set_conversation_mode(info.context.member_id, enabled))

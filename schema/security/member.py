"""A member's own security: password, TOTP, WeChat binding, confirming QR logins."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.security import account, qrlogin, totp, wechat
from mailcore.security.errors import SecurityError
from schema.admin.types import Done
from schema.auth.types import AuthError
from schema.permissions import IsAuthenticated
from schema.security.types import (
    DoneResult,
    MySecurity,
    QrLoginInfo,
    QrLoginResult,
    TotpSetup,
    TotpSetupResult,
    WechatBindResult,
    WechatBound,
)

SIGNED_IN = [IsAuthenticated]


@strawberry.type
class SecurityQuery:
    @strawberry.field(permission_classes=SIGNED_IN)
    async def my_security(self, info: Info) -> MySecurity:
        return MySecurity(status=await account.status(info.context.identity.member))


@strawberry.type
class SecurityMutation:
    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="New password (8+ characters, not the old one); other sessions sign out.",
    )
    async def change_password(self, info: Info, old: str, new: str) -> DoneResult:
        identity = info.context.identity
        try:
            await account.change_password(
                identity.member, identity.session_id, old, new, bus=info.context.runtime.bus
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        return Done()

    @strawberry.mutation(permission_classes=SIGNED_IN)
    async def setup_totp(self, info: Info) -> TotpSetupResult:
        enrolment = await totp.setup(info.context.identity.member)
        return TotpSetup(secret=enrolment.secret, uri=enrolment.uri, qr_png=enrolment.qr_png)

    @strawberry.mutation(permission_classes=SIGNED_IN, description="Confirm setupTotp.")
    async def enable_totp(self, info: Info, code: str) -> DoneResult:
        try:
            await totp.enable(info.context.identity.member, code)
        except SecurityError as exc:
            return AuthError.of(exc)
        return Done()

    @strawberry.mutation(permission_classes=SIGNED_IN)
    async def disable_totp(self, info: Info, code: str) -> DoneResult:
        try:
            await totp.disable(info.context.identity.member, code)
        except SecurityError as exc:
            return AuthError.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=SIGNED_IN, description="Bind WeChat with the mini-program's login code."
    )
    async def bind_wechat(self, info: Info, code: str) -> WechatBindResult:
        context = info.context
        try:
            binding = await wechat.bind(context.runtime.settings, context.identity.member, code)
        except SecurityError as exc:
            return AuthError.of(exc)
        return WechatBound(bound_at=binding.created_at)

    @strawberry.mutation(permission_classes=SIGNED_IN)
    async def unbind_wechat(self, info: Info) -> DoneResult:
        try:
            await wechat.unbind(info.context.identity.member)
        except SecurityError as exc:
            return AuthError.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=SIGNED_IN, description="Mini-program: the QR code was scanned."
    )
    async def scan_qr_login(self, info: Info, ticket: str) -> QrLoginResult:
        identity = info.context.identity
        try:
            row = await qrlogin.scan(
                info.context.runtime.bus, identity.member, identity.session_id, ticket
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        return QrLoginInfo(row=row)

    @strawberry.mutation(
        permission_classes=SIGNED_IN, description="Mini-program: approve or refuse a QR login."
    )
    async def confirm_qr_login(self, info: Info, ticket: str, approve: bool) -> QrLoginResult:
        identity = info.context.identity
        try:
            row = await qrlogin.confirm(
                info.context.runtime.bus, identity.member, identity.session_id, ticket, approve
            )
        except SecurityError as exc:
            return AuthError.of(exc)
        return QrLoginInfo(row=row)

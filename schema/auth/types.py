"""Types of the auth schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import Member
from mailcore.security.errors import SecurityError, SecurityErrorCode, SecurityErrorReason

AuthErrorCode = strawberry.enum(
    StrEnum("AuthErrorCode", {c.name: c.value for c in SecurityErrorCode}),
    description="Why a sign-in or a security change was refused.",
)
AuthErrorReason = strawberry.enum(
    StrEnum("AuthErrorReason", {r.name: r.value for r in SecurityErrorReason}),
    description="Which rule was broken where one code covers several: clients word it in "
    "the member's language. New reasons may be added.",
)


@strawberry.enum
class LoginClient(StrEnum):
    WEB = "web"
    MINIPROGRAM = "miniprogram"


@strawberry.enum(name="SecondFactorMethod")
class SecondFactorMethodType(StrEnum):
    WECHAT_QR = "wechat_qr"
    TOTP = "totp"


@strawberry.type
class Me:
    member: strawberry.Private[Member]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.member.id))

    @strawberry.field
    def email(self) -> str:
        return self.member.email

    @strawberry.field
    def name(self) -> str:
        return self.member.name

    @strawberry.field
    def vip(self) -> bool:
        return self.member.is_vip

    @strawberry.field(description="Quota in bytes; null for VIP members (no quota).")
    def quota(self) -> float | None:
        return None if self.member.is_vip else float(self.member.quota_bytes)

    @strawberry.field(description="Bytes used by this mailbox.")
    def used(self) -> float:
        return float(self.member.used_bytes)

    @strawberry.field(description="List mail by conversation (true) or by message (false).")
    def conversation_mode(self) -> bool:
        return self.member.conversation_mode


@strawberry.type
class LoginSuccess:
    token: str
    me: Me
    must_change_password: bool = strawberry.field(
        default=False,
        description="The session may only call changePassword until the password is changed.",
    )


@strawberry.type(description="The password was right: a second factor is needed to finish.")
class SecondFactorRequired:
    ticket: str
    method: SecondFactorMethodType
    qr_png: str | None = strawberry.field(
        default=None, description="WECHAT_QR: the QR code to scan, a base64 PNG."
    )
    qr_text: str | None = strawberry.field(default=None, description="What the QR code says.")
    expires_in: int = strawberry.field(default=0, description="Seconds the ticket stays valid.")


@strawberry.type
class AuthError:
    code: AuthErrorCode
    message: str
    field: str | None = None
    retry_after: int | None = strawberry.field(
        default=None, description="LOCKED: seconds until signing in may be tried again."
    )
    reason: AuthErrorReason | None = strawberry.field(
        default=None, description="The rule behind an INVALID or INVALID_CODE, when known."
    )
    limit: int | None = strawberry.field(
        default=None,
        description="The number in the rule (the fewest or most characters, the digits).",
    )

    @classmethod
    def of(cls, exc: SecurityError) -> AuthError:
        return cls(
            code=AuthErrorCode(exc.code.value),
            message=exc.message,
            field=exc.field,
            retry_after=exc.retry_after,
            reason=AuthErrorReason(exc.reason.value) if exc.reason else None,
            limit=exc.limit,
        )


LoginResult = Annotated[
    LoginSuccess | SecondFactorRequired | AuthError, strawberry.union("LoginResult")
]
CompleteLoginResult = Annotated[LoginSuccess | AuthError, strawberry.union("CompleteLoginResult")]

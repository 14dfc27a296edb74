"""Types of the auth schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.models import Member


@strawberry.enum
class AuthErrorCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    INVALID = "INVALID"


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


@strawberry.type
class AuthError:
    code: AuthErrorCode
    message: str
    field: str | None = None


LoginResult = Annotated[LoginSuccess | AuthError, strawberry.union("LoginResult")]

"""Types of the security schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import IpRule, QrTicket, QrTicketStatus
from mailcore.security.account import SecurityStatus
from mailcore.security.throttle import Lock
from schema.admin.types import AdminErrorType, Done
from schema.auth.types import AuthError

QrStatus = strawberry.enum(
    StrEnum("QrLoginState", {s.name: s.name for s in QrTicketStatus}),
    description="Where a QR login stands.",
)


@strawberry.enum
class IpRuleScope(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    DEPARTMENT = "DEPARTMENT"
    MEMBER = "MEMBER"


@strawberry.type(name="IpRule")
class IpRuleType:
    rule: strawberry.Private[IpRule]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.rule.id))

    @strawberry.field
    def cidr(self) -> str:
        return self.rule.cidr

    @strawberry.field
    def scope(self) -> IpRuleScope:
        if self.rule.member_id:
            return IpRuleScope.MEMBER
        return IpRuleScope.DEPARTMENT if self.rule.department_id else IpRuleScope.ENTERPRISE

    @strawberry.field
    def department_id(self) -> strawberry.ID | None:
        pk = self.rule.department_id
        return strawberry.ID(str(pk)) if pk else None

    @strawberry.field
    def email(self) -> str | None:
        return self.rule.member.email if self.rule.member_id else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.rule.created_at


@strawberry.type
class LockedAccount:
    lock: strawberry.Private[Lock]

    @strawberry.field
    def email(self) -> str:
        return self.lock.member.email

    @strawberry.field
    def ip(self) -> str:
        return self.lock.ip

    @strawberry.field
    def locked_until(self) -> datetime:
        return self.lock.locked_until

    @strawberry.field
    def retry_after(self) -> int:
        return self.lock.retry_after


@strawberry.type
class Unlocked:
    email: str
    cleared: int


@strawberry.type
class TotpSetup:
    secret: str
    uri: str = strawberry.field(description="otpauth:// URI for authenticator apps.")
    qr_png: str = strawberry.field(description="The URI as a QR code, a base64 PNG.")


@strawberry.type
class WechatBound:
    bound_at: datetime


@strawberry.type
class QrLoginInfo:
    """What the mini-program shows before the member confirms a login."""

    row: strawberry.Private[QrTicket]

    @strawberry.field
    def status(self) -> QrStatus:
        return QrStatus[self.row.status.name]

    @strawberry.field
    def ip(self) -> str:
        return self.row.ip

    @strawberry.field
    def user_agent(self) -> str:
        return self.row.client

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type
class QrLoginStatus:
    status: QrStatus
    token: str | None = strawberry.field(default=None, description="Set once, with APPROVED.")
    must_change_password: bool = False


@strawberry.type
class MySecurity:
    status: strawberry.Private[SecurityStatus]

    @strawberry.field(description="The company or an administrator requires a second factor.")
    def secure_login(self) -> bool:
        return self.status.secure_login

    @strawberry.field
    def totp_enabled(self) -> bool:
        return self.status.totp_enabled

    @strawberry.field
    def wechat_bound(self) -> bool:
        return self.status.wechat_bound

    @strawberry.field
    def must_change_password(self) -> bool:
        return self.status.must_change_password

    @strawberry.field(
        description="Mail clients (IMAP, POP3, SMTP) must sign in with an app password."
    )
    def app_passwords_required(self) -> bool:
        return self.status.app_passwords_required


@strawberry.type
class SecureLoginSetting:
    enabled: bool
    email: str | None = None


DoneResult = Annotated[Done | AuthError, strawberry.union("SecurityDoneResult")]
TotpSetupResult = Annotated[TotpSetup | AuthError, strawberry.union("TotpSetupResult")]
WechatBindResult = Annotated[WechatBound | AuthError, strawberry.union("WechatBindResult")]
QrLoginResult = Annotated[QrLoginInfo | AuthError, strawberry.union("QrLoginResult")]
IpRuleResult = Annotated[IpRuleType | AdminErrorType, strawberry.union("IpRuleResult")]
AdminDoneResult = Annotated[Done | AdminErrorType, strawberry.union("SecurityAdminResult")]
SecureLoginResult = Annotated[
    SecureLoginSetting | AdminErrorType, strawberry.union("SecureLoginResult")
]
UnlockResult = Annotated[Unlocked | AdminErrorType, strawberry.union("UnlockResult")]

"""Per-member feature options of the open API (Exmail's useroption types 1–4).

1 forced secure login (``Member.secure_login``, set through the security service),
2 IMAP/SMTP (``imap_enabled``), 3 POP/SMTP (``pop_enabled``), 4 secure-login status:
whether the member must currently use secure login (their own flag or the enterprise's),
read-only.
"""

from __future__ import annotations

from enum import IntEnum

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Member
from mailcore.security.admin import set_secure_login
from mailcore.security.secondfactor import secure_login_on


class OptionType(IntEnum):
    FORCE_SECURE_LOGIN = 1
    IMAP_SMTP = 2
    POP_SMTP = 3
    SECURE_LOGIN_STATUS = 4


FIELDS = {
    OptionType.FORCE_SECURE_LOGIN: "secure_login",
    OptionType.IMAP_SMTP: "imap_enabled",
    OptionType.POP_SMTP: "pop_enabled",
}


def parse_type(value: object) -> OptionType:
    try:
        return OptionType(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise AdminError(AdminErrorCode.INVALID, f"unknown option type {value!r}", "type") from exc


async def get_options(
    scope: AdminScope, member: Member, types: list[OptionType]
) -> dict[OptionType, bool]:
    await scope.require_visible(AdminPermission.SECURITY, member)
    values: dict[OptionType, bool] = {}
    for option in types or list(OptionType):
        if option is OptionType.SECURE_LOGIN_STATUS:
            values[option] = await secure_login_on(member)
        else:
            values[option] = bool(getattr(member, FIELDS[option]))
    return values


async def set_options(scope: AdminScope, member: Member, values: dict[OptionType, bool]) -> None:
    await scope.require_member(AdminPermission.SECURITY, member)
    if OptionType.SECURE_LOGIN_STATUS in values:
        raise AdminError(AdminErrorCode.INVALID, "option type 4 can only be read", "type")
    if not values:
        raise AdminError(AdminErrorCode.INVALID, "no option to set", "option")
    forced = values.pop(OptionType.FORCE_SECURE_LOGIN, None)
    changes = {FIELDS[option]: value for option, value in values.items()}
    async with in_transaction():
        if forced is not None:
            await set_secure_login(scope, forced, member.email)
        if changes:
            await Member.filter(id=member.id).update(**changes)
            await record(scope, "member.options", member.email, **changes)

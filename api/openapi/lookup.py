"""Finding what a request names: a member by ``userid`` (their address) in the app's enterprise."""

from __future__ import annotations

from api.openapi.errcodes import ApiError, Errcode
from api.openapi.framework import Call
from mailcore.core.models import Member
from mailcore.org.addresses import is_valid_address, normalize_address
from mailcore.org.service import find_member


def check_userid(userid: str) -> str:
    address = normalize_address(userid)
    if not address or not is_valid_address(address):
        raise ApiError(Errcode.INVALID_USERID, f"invalid userid {userid!r}")
    return address


async def member_of(call: Call, userid: str) -> Member:
    """The (not deleted) member with this address or alias, in the app's enterprise."""
    member = await find_member(check_userid(userid))
    if (
        member is None
        or member.enterprise_id != call.access.enterprise_id
        or member.deleted_at is not None
    ):
        raise ApiError(Errcode.USERID_NOT_FOUND, f"userid not found: {userid}")
    return member

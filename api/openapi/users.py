"""``/cgi-bin/user/*`` (directory apps), over ``mailcore.directory`` member services.

``userid`` is the member's address; ``department`` the API's department ids; ``slaves``
the member's aliases (update replaces them); ``cpwd_login`` 1 makes the member choose a
new password at the next login; ``enable`` 0 disables the account. Deleting is the
directory's soft delete (restorable by an administrator for the restore window).
"""

from __future__ import annotations

from typing import Any

from api.openapi.errcodes import ApiError, Errcode, invalid
from api.openapi.framework import Call, endpoint, translate
from api.openapi.lookup import check_userid, member_of
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import AppKind, Member
from mailcore.directory import aliases, lifecycle, listing, members
from mailcore.openapi.addresses import MAX_CHECK, address_kinds
from mailcore.openapi.ids import ROOT_ID, DepartmentIds, department_ids
from mailcore.org.addresses import normalize_address

ERRORS: dict[Any, Errcode] = {
    (AdminErrorCode.ALREADY_EXISTS, "email"): Errcode.USERID_EXISTS,
    (AdminErrorCode.ALREADY_EXISTS, "alias"): Errcode.USERID_EXISTS,
    (AdminErrorCode.INVALID, "email"): Errcode.INVALID_USERID,
    # An address in another enterprise; any other refusal (an administrator) is 48002.
    (AdminErrorCode.FORBIDDEN, "email"): Errcode.INVALID_USERID,
    (AdminErrorCode.FORBIDDEN, "alias"): Errcode.INVALID_USERID,
    (AdminErrorCode.NOT_FOUND, "email"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "department"): Errcode.DEPARTMENT_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "departmentIds"): Errcode.DEPARTMENT_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "departmentId"): Errcode.DEPARTMENT_NOT_FOUND,
}
PAGE = 200
MAX_MEMBERS = 20_000


def _gender(call: Call) -> int | None:
    if not call.params.has("gender"):
        return None
    gender = call.params.integer("gender")
    if gender not in (0, 1, 2):
        raise invalid("gender is 0, 1 (male) or 2 (female)")
    return gender


async def _fields(call: Call, ids: DepartmentIds, *, email: str | None) -> members.MemberFields:
    params = call.params

    def text(name: str) -> str | None:
        return params.text(name) if params.has(name) else None

    externals = params.integers("department")
    return members.MemberFields(
        email=email,
        name=text("name"),
        password=text("password"),
        position=text("position"),
        mobile=text("mobile"),
        tel=text("tel"),
        extid=text("extid"),
        gender=_gender(call),
        department_ids=(
            await ids.internal_many(externals, "department") if externals is not None else None
        ),
        must_change_password=params.flag("cpwd_login"),
    )


async def _check_slaves(call: Call, slaves: list[str], member: Member | None) -> list[str]:
    """Aliases to add, all checked before anything is written."""
    current = (await aliases.member_aliases([member.id]))[member.id] if member else []
    wanted = []
    for slave in slaves:
        address, _ = await members.hosted_address(call.scope, slave, "alias")
        if address not in current and address not in wanted:
            await members.require_free(address, "alias")
            wanted.append(address)
    return wanted


@endpoint(AppKind.DIRECTORY)
async def create(call: Call) -> dict[str, Any]:
    scope, params = call.scope, call.params
    userid = check_userid(params.text("userid", required=True))
    if not params.has("name"):
        raise invalid("name is required")
    if not params.has("password"):
        raise invalid("password is required")
    ids = await department_ids(scope.enterprise_id)
    try:
        given = await _fields(call, ids, email=userid)
        slaves = await _check_slaves(call, params.strings("slaves") or [], None)
        member = await members.create_member(
            scope, given, default_quota=call.settings.default_quota
        )
        for slave in slaves:
            await aliases.add_alias(scope, member, slave)
        if params.flag("enable") is False:
            await lifecycle.set_enabled(scope, member, False, bus=call.bus)
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "created"}


@endpoint(AppKind.DIRECTORY)
async def update(call: Call) -> dict[str, Any]:
    scope, params = call.scope, call.params
    member = await member_of(call, params.text("userid", required=True))
    ids = await department_ids(scope.enterprise_id)
    try:
        given = await _fields(call, ids, email=None)
        slaves = params.strings("slaves")
        added = await _check_slaves(call, slaves, member) if slaves is not None else []
        member = await members.update_member(scope, member, given, bus=call.bus)
        if slaves is not None:
            keep = {normalize_address(s) for s in slaves}
            current = (await aliases.member_aliases([member.id]))[member.id]
            for alias in current:
                if alias not in keep:
                    await aliases.remove_alias(scope, member, alias)
            for alias in added:
                await aliases.add_alias(scope, member, alias)
        enable = params.flag("enable")
        if enable is not None:
            await lifecycle.set_enabled(scope, member, enable, bus=call.bus)
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "updated"}


@endpoint(AppKind.DIRECTORY)
async def delete(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    try:
        await lifecycle.delete_member(call.scope, member, bus=call.bus)
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "deleted"}


def _user(
    ids: DepartmentIds, member: Member, departments: list[int], slaves: list[str]
) -> dict[str, Any]:
    return {
        "userid": member.email,
        "name": member.name,
        "department": [ids.external(d) for d in departments],
        "position": member.position,
        "mobile": member.mobile,
        "tel": member.tel,
        "extid": member.extid,
        "gender": str(member.gender),
        "slaves": slaves,
        "enable": 1 if member.enabled else 0,
        "cpwd_login": 1 if member.must_change_password else 0,
    }


@endpoint(AppKind.DIRECTORY)
async def get(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    try:
        detail = await listing.detail_of(call.scope, member)
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    ids = await department_ids(call.access.enterprise_id)
    return _user(ids, detail.member, detail.department_ids, detail.aliases)


async def _members(call: Call) -> tuple[DepartmentIds, list[tuple[Member, list[int], list[str]]]]:
    """The members of ``department_id`` (and below with ``fetch_child`` 1), every page."""
    scope, params = call.scope, call.params
    ids = await department_ids(scope.enterprise_id)
    try:
        department = await ids.internal(params.integer("department_id", default=ROOT_ID))
    except AdminError as exc:
        raise ApiError(Errcode.DEPARTMENT_NOT_FOUND, exc.message) from exc
    recursive = params.flag("fetch_child") or False
    out: list[tuple[Member, list[int], list[str]]] = []
    after = None
    while True:
        try:
            page = await listing.list_members(
                scope, department_id=department, recursive=recursive, first=PAGE, after=after
            )
        except AdminError as exc:
            raise translate(exc, ERRORS) from exc
        for member in page.page.members:
            departments = page.page.departments.get(member.id, [])
            out.append((member, departments, page.aliases.get(member.id, [])))
        if not page.page.has_next or len(out) >= MAX_MEMBERS:
            return ids, out
        after = page.page.end_cursor


@endpoint(AppKind.DIRECTORY)
async def simplelist(call: Call) -> dict[str, Any]:
    ids, found = await _members(call)
    return {
        "userlist": [
            {"userid": m.email, "name": m.name, "department": [ids.external(d) for d in deps]}
            for m, deps, _ in found
        ]
    }


@endpoint(AppKind.DIRECTORY)
async def list_(call: Call) -> dict[str, Any]:
    ids, found = await _members(call)
    return {"userlist": [_user(ids, m, deps, slaves) for m, deps, slaves in found]}


@endpoint(AppKind.DIRECTORY)
async def batchcheck(call: Call) -> dict[str, Any]:
    userlist = call.params.strings("userlist")
    if not userlist:
        raise invalid("userlist is required")
    if len(userlist) > MAX_CHECK:
        raise invalid(f"at most {MAX_CHECK} addresses per call")
    kinds = await address_kinds(call.scope, userlist)
    return {"list": [{"user": u, "type": int(k)} for u, k in zip(userlist, kinds, strict=True)]}

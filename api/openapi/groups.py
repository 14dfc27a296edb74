"""``/cgi-bin/group/*`` (directory apps), over ``mailcore.groups.admin``.

A group is named by its address (``groupid``); ``allow_type`` is the posting permission
(0 the company, 1 anyone, 2 group members, 3 the ``allow_userlist``). Unknown groups and
unknown addresses in ``userlist``/``grouplist`` answer 60111, a taken address 60102.
"""

from __future__ import annotations

from typing import Any

from api.openapi.errcodes import Errcode, invalid
from api.openapi.framework import Call, endpoint, translate
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import AppKind, PostingPermission
from mailcore.groups import admin as groups
from mailcore.openapi.ids import department_ids, group_pks

ERRORS: dict[Any, Errcode] = {
    (AdminErrorCode.ALREADY_EXISTS, "email"): Errcode.USERID_EXISTS,
    (AdminErrorCode.NOT_FOUND, "groupid"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "grouplist"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "groupIds"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "members"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "id"): Errcode.USERID_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "department"): Errcode.DEPARTMENT_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "departmentIds"): Errcode.DEPARTMENT_NOT_FOUND,
}


async def _spec(call: Call, *, creating: bool) -> groups.GroupSpec:
    params, enterprise = call.params, call.access.enterprise_id
    spec = groups.GroupSpec()
    if creating:
        spec.email = params.text("groupid", required=True)
        spec.name = params.text("groupname", required=True)
    elif params.has("groupname"):
        spec.name = params.text("groupname")
    if params.has("allow_type"):
        try:
            spec.permission = PostingPermission(params.integer("allow_type"))
        except ValueError as exc:
            raise invalid("allow_type is 0, 1, 2 or 3") from exc
    spec.allowed_senders = params.strings("allow_userlist")
    spec.members = params.strings("userlist")
    grouplist = params.strings("grouplist")
    if grouplist is not None:
        spec.group_ids = await group_pks(enterprise, grouplist, "grouplist")
    externals = params.integers("department")
    if externals is not None:
        ids = await department_ids(enterprise)
        spec.department_ids = await ids.internal_many(externals, "department")
    return spec


async def _group_id(call: Call) -> int:
    [pk] = await group_pks(
        call.access.enterprise_id, [call.params.text("groupid", required=True)], "groupid"
    )
    return pk


@endpoint(AppKind.DIRECTORY)
async def create(call: Call) -> dict[str, Any]:
    try:
        await groups.create_group(call.scope, await _spec(call, creating=True))
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "created"}


@endpoint(AppKind.DIRECTORY)
async def update(call: Call) -> dict[str, Any]:
    try:
        pk = await _group_id(call)
        await groups.update_group(call.scope, pk, await _spec(call, creating=False))
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "updated"}


@endpoint(AppKind.DIRECTORY)
async def delete(call: Call) -> dict[str, Any]:
    try:
        await groups.delete_group(call.scope, await _group_id(call))
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "deleted"}


@endpoint(AppKind.DIRECTORY)
async def get(call: Call) -> dict[str, Any]:
    try:
        view = await groups.get_group(call.scope, await _group_id(call))
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    ids = await department_ids(call.access.enterprise_id)
    group = view.group
    return {
        "groupid": group.email,
        "groupname": group.name,
        "userlist": [m.email for m in view.members],
        "grouplist": [g.email for g in view.subgroups],
        "department": [ids.external(d.id) for d in view.departments],
        "allow_type": int(group.permission),
        "allow_userlist": list(group.allowed_senders or []),
    }

"""``/cgi-bin/department/*`` (directory apps), over ``mailcore.directory.departments``.

Ids: the root department is 1, others are stable external ids (``mailcore.openapi.ids``).
"""

from __future__ import annotations

from typing import Any

from api.openapi.errcodes import ApiError, Errcode, invalid
from api.openapi.framework import Call, endpoint, translate
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import AppKind
from mailcore.directory import departments
from mailcore.openapi.ids import ROOT_ID, DepartmentIds, department_ids

ERRORS: dict[Any, Errcode] = {
    (AdminErrorCode.NOT_FOUND, "id"): Errcode.DEPARTMENT_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "parentId"): Errcode.PARENT_NOT_FOUND,
    (AdminErrorCode.NOT_FOUND, "parentid"): Errcode.PARENT_NOT_FOUND,
    (AdminErrorCode.ALREADY_EXISTS, "name"): Errcode.DEPARTMENT_NAME_EXISTS,
}


def _order(call: Call) -> int | None:
    return call.params.integer("order") if call.params.has("order") else None


@endpoint(AppKind.DIRECTORY)
async def create(call: Call) -> dict[str, Any]:
    scope, params = call.scope, call.params
    ids = await department_ids(scope.enterprise_id)
    try:
        parent = await ids.internal(params.integer("parentid", default=ROOT_ID), "parentId")
        department = await departments.create_department(
            scope, parent, params.text("name", required=True), order=_order(call) or 0
        )
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "created", "id": ids.external(department.id)}


@endpoint(AppKind.DIRECTORY)
async def update(call: Call) -> dict[str, Any]:
    scope, params = call.scope, call.params
    ids = await department_ids(scope.enterprise_id)
    try:
        pk = await ids.internal(params.integer("id", required=True), "id")
        parent = (
            await ids.internal(params.integer("parentid"), "parentId")
            if params.has("parentid")
            else None
        )
        await departments.update_department(
            scope,
            pk,
            name=params.text("name") if params.has("name") else None,
            parent_id=parent,
            order=_order(call),
        )
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "updated"}


@endpoint(AppKind.DIRECTORY)
async def delete(call: Call) -> dict[str, Any]:
    scope = call.scope
    external = call.params.integer("id", required=True)
    if external == ROOT_ID:
        raise ApiError(Errcode.ROOT_DEPARTMENT, "the root department cannot be deleted")
    ids = await department_ids(scope.enterprise_id)
    try:
        await departments.delete_department(scope, await ids.internal(external, "id"))
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    return {"errmsg": "deleted"}


def _row(ids: DepartmentIds, row: departments.DepartmentRow, root_name: str) -> dict[str, Any]:
    return {
        "id": ids.external(row.node.id),
        "name": row.node.name,
        "parentid": ids.external(row.node.parent_id),
        "order": row.node.order,
        "path": "/".join(p for p in (root_name, row.path) if p),
    }


@endpoint(AppKind.DIRECTORY)
async def list_(call: Call) -> dict[str, Any]:
    """The department (default the root) and every department below it, in tree order."""
    scope = call.scope
    ids = await department_ids(scope.enterprise_id)
    try:
        start = await ids.internal(call.params.integer("id", default=ROOT_ID), "id")
    except AdminError as exc:
        raise translate(exc, ERRORS) from exc
    rows = await departments.list_departments(scope)
    root_name = next((r.node.name for r in rows if r.node.id == ids.root_pk), "")
    below, out = {start}, []
    for row in rows:
        if row.node.id == start or row.node.parent_id in below:
            below.add(row.node.id)
            item = _row(ids, row, root_name)
            del item["path"]
            out.append(item)
    return {"department": out}


@endpoint(AppKind.DIRECTORY)
async def search(call: Call) -> dict[str, Any]:
    """Departments by name: exact (``fuzzy`` 0, case-insensitive) or containing it (1)."""
    scope = call.scope
    name = call.params.text("name", required=True).strip().casefold()
    fuzzy = call.params.flag("fuzzy") or False
    if not name:
        raise invalid("name is required")
    ids = await department_ids(scope.enterprise_id)
    rows = await departments.list_departments(scope)
    root_name = next((r.node.name for r in rows if r.node.id == ids.root_pk), "")
    found = [
        _row(ids, row, root_name)
        for row in rows
        if (name in row.node.name.casefold() if fuzzy else name == row.node.name.casefold())
    ]
    return {"department": found}

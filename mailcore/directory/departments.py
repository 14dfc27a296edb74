"""Administering the department tree: create, rename, move, order, hide, delete.

Every service takes the admin scope first and checks it before touching anything: the
``departments`` permission, the enterprise, and for scoped admins the subtree they manage
(creating under a department, or moving into one, needs that department in scope, so a
scoped admin cannot create a sibling of their own top department nor move a department out).
Each change is written to the operation log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, AdminRole, Department, DepartmentMember
from mailcore.directory import validate
from mailcore.directory.nodes import Node, Tree, load_tree, node_of

DEPARTMENTS = AdminPermission.DEPARTMENTS
MAX_DEPTH = 32
MAX_PATH = 512


@dataclass
class DepartmentRow:
    node: Node
    depth: int
    path: str
    member_count: int


def parse_id(value: str | int | None, field: str) -> int:
    try:
        pk = int(str(value))
    except ValueError as exc:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", field) from exc
    if not 0 < pk < 2**31:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", field)
    return pk


async def department_in_scope(
    scope: AdminScope, pk: int, field: str, permission: AdminPermission = DEPARTMENTS
) -> Department:
    """The department, if it exists, is in the caller's enterprise and (scoped) subtree."""
    scope.require(permission)
    department = await Department.filter(id=pk).first()
    if department is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", field)
    scope.require_enterprise(department.enterprise_id)
    if not scope.covers_department(pk):
        raise forbidden("that department is outside your administration scope")
    return department


async def list_departments(scope: AdminScope) -> list[DepartmentRow]:
    """The tree in display order (within the caller's subtrees for scoped admins)."""
    if not (scope.may(DEPARTMENTS) or scope.may(AdminPermission.MEMBERS)):
        scope.require(DEPARTMENTS)
    tree = await load_tree(scope.enterprise_id)
    counts = dict(
        await DepartmentMember.filter(department__enterprise_id=scope.enterprise_id)
        .group_by("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
    if scope.is_super:
        starts = [tree.root_id]
    else:
        starts = [
            pk
            for pk in scope.department_ids
            if tree.nodes.get(pk) and tree.nodes[pk].parent_id not in scope.department_ids
        ]
        starts.sort(key=lambda pk: [(n.order, n.name.casefold(), n.id) for n in tree.path(pk)])
    rows = []
    for start in starts:
        for node, _ in tree.walk(start):
            depth = len(tree.path(node.id)) - 1
            rows.append(
                DepartmentRow(node, depth, tree.path_name(node.id), int(counts.get(node.id, 0)))
            )
    return rows


async def describe(department: Department) -> DepartmentRow:
    """One department as the admin list shows it (after a service checked and changed it)."""
    tree = await load_tree(department.enterprise_id)
    count = await DepartmentMember.filter(department_id=department.id).count()
    path = tree.path(department.id)
    return DepartmentRow(node_of(department), len(path) - 1, tree.path_name(department.id), count)


def _require_unique(tree: Tree, parent_id: int, name: str, own_id: int | None = None) -> None:
    twin = tree.child_named(parent_id, name)
    if twin is not None and twin.id != own_id:
        raise AdminError(
            AdminErrorCode.ALREADY_EXISTS,
            f"a department named {twin.name} already exists there",
            "name",
        )


async def create_department(
    scope: AdminScope,
    parent_id: int | None,
    name: str,
    *,
    order: int = 0,
    hidden: bool = False,
    tree: Tree | None = None,
) -> Department:
    """Create a department under ``parent_id`` (the root when None)."""
    scope.require(DEPARTMENTS)
    tree = tree or await load_tree(scope.enterprise_id)
    parent_pk = tree.root_id if parent_id is None else parent_id
    await department_in_scope(scope, parent_pk, "parentId")
    name = validate.department_name(name)
    validate.order(order, "order")
    if len(tree.path(parent_pk)) >= MAX_DEPTH:
        raise validate.invalid(f"departments nest at most {MAX_DEPTH} levels deep", "parentId")
    _require_unique(tree, parent_pk, name)
    async with in_transaction():
        department = await Department.create(
            enterprise_id=scope.enterprise_id,
            parent_id=parent_pk,
            name=name,
            order=order,
            hidden=hidden,
        )
        await record(
            scope, "department.create", name, id=department.id, parent_id=parent_pk, hidden=hidden
        )
    return department


async def update_department(
    scope: AdminScope,
    pk: int,
    *,
    name: str | None = None,
    parent_id: int | None = None,
    order: int | None = None,
    hidden: bool | None = None,
) -> Department:
    """Rename, move (``parent_id``), reorder or hide a department; None leaves it as is."""
    department = await department_in_scope(scope, pk, "id")
    tree = await load_tree(scope.enterprise_id)
    changes: dict[str, object] = {}
    is_root = department.id == tree.root_id
    target_parent = department.parent_id
    if parent_id is not None and parent_id != department.parent_id:
        if is_root:
            raise validate.invalid("the root department cannot be moved", "parentId")
        await department_in_scope(scope, parent_id, "parentId")
        if parent_id in tree.subtree({department.id}):
            raise validate.invalid(
                "a department cannot move under itself or one of its sub-departments", "parentId"
            )
        depth_below = max(len(tree.path(d)) for d in tree.subtree({department.id}))
        depth_below -= len(tree.path(department.id)) - 1
        if len(tree.path(parent_id)) + depth_below > MAX_DEPTH:
            raise validate.invalid(f"departments nest at most {MAX_DEPTH} levels deep", "parentId")
        target_parent = parent_id
        changes["parent_id"] = parent_id
    new_name = department.name if name is None else validate.department_name(name)
    if new_name != department.name:
        changes["name"] = new_name
    if target_parent is not None and ("name" in changes or "parent_id" in changes):
        _require_unique(tree, target_parent, new_name, department.id)
    if order is not None and order != department.order:
        changes["order"] = validate.order(order, "order")
    if hidden is not None and hidden != department.hidden:
        if is_root and hidden:
            raise validate.invalid("the root department cannot be hidden", "hidden")
        changes["hidden"] = hidden
    if not changes:
        return department
    async with in_transaction():
        await Department.filter(id=department.id).update(**changes)
        await record(scope, "department.update", new_name, id=department.id, **changes)
    return await Department.get(id=department.id)


async def delete_department(scope: AdminScope, pk: int) -> None:
    """Delete an empty department: no sub-departments, no members, no admin scoped to it."""
    department = await department_in_scope(scope, pk, "id")
    if department.parent_id is None:
        raise validate.invalid("the root department cannot be deleted", "id")
    async with in_transaction():
        children = await Department.filter(parent_id=department.id).count()
        if children:
            raise AdminError(
                AdminErrorCode.HAS_SUBDEPARTMENTS,
                f"{department.name} still has {children} sub-department(s): move or delete them",
                "id",
            )
        members = await DepartmentMember.filter(department_id=department.id).count()
        if members:
            raise AdminError(
                AdminErrorCode.HAS_MEMBERS,
                f"{department.name} still has {members} member(s): move them first",
                "id",
            )
        roles = await AdminRole.filter(enterprise_id=scope.enterprise_id).values_list(
            "department_ids", flat=True
        )
        if any(department.id in ids for ids in roles):
            raise AdminError(
                AdminErrorCode.CONFLICT,
                f"an administrator manages {department.name}: change their scope first",
                "id",
            )
        await Department.filter(id=department.id).delete()
        await record(scope, "department.delete", department.name, id=department.id)


def covers(scope: AdminScope, tree: Tree, pk: int) -> bool:
    """Scope check that also knows departments created after the scope was computed."""
    return scope.is_super or any(n.id in scope.department_ids for n in tree.path(pk))


async def resolve_path(
    scope: AdminScope, tree: Tree, path: str, field: str
) -> tuple[int, list[Node]]:
    """The department at ``研发部/后端组`` below the root, creating missing levels.

    Creating needs the ``departments`` permission and the parent in scope. The nodes created
    are added to ``tree`` and returned: a caller whose transaction fails must ``discard`` them.
    """
    path = path.strip().strip("/")
    if len(path) > MAX_PATH:
        raise validate.invalid(f"a department path has at most {MAX_PATH} characters", field)
    names = [part.strip() for part in path.split("/")] if path else []
    if len(names) >= MAX_DEPTH:
        raise validate.invalid(f"departments nest at most {MAX_DEPTH} levels deep", field)
    current = tree.root_id
    created: list[Node] = []
    for raw in names:
        name = validate.department_name(raw, field)
        existing = tree.child_named(current, name)
        if existing is None:
            scope.require(DEPARTMENTS)
            if not covers(scope, tree, current):
                raise forbidden(f"creating {name} there is outside your administration scope")
            department = await Department.create(
                enterprise_id=scope.enterprise_id, parent_id=current, name=name
            )
            await record(
                scope, "department.create", name, id=department.id, parent_id=current, hidden=False
            )
            existing = node_of(department)
            tree.add(existing)
            created.append(existing)
        current = existing.id
    return current, created

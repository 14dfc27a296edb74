"""Bulk import of members from CSV or XLSX, one transaction per row, with a report per row.

A row whose address is new creates a member (a password is needed); a row whose address
exists updates that member with the cells that are not blank. A department path such as
``研发部/后端组`` is created where missing (within the admin's scope). A failing row
changes nothing and is reported with its error code, message and field; other rows go on.
Passwords are hashed a batch at a time on worker threads (argon2 is the slow part).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.events import Bus
from mailcore.core.models import Member
from mailcore.directory import validate
from mailcore.directory.departments import resolve_path
from mailcore.directory.members import MEMBERS, MemberFields, create_member, update_member
from mailcore.directory.nodes import Node, Tree, load_tree
from mailcore.directory.tablefile import Row, TableError, parse_flag, read_table
from mailcore.org.addresses import normalize_address
from mailcore.org.passwords import hash_password

MAX_ROWS = 10_000
HASH_BATCH = 16
# Row fields as the report names them (the spreadsheet columns).
FIELDS = {"departmentIds": "department"}


@dataclass
class RowResult:
    row: int
    email: str
    status: str  # created, updated or error
    code: str | None = None
    message: str | None = None
    field: str | None = None


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


async def import_members(
    scope: AdminScope,
    data: bytes,
    filename: str,
    *,
    default_quota: int,
    bus: Bus | None,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    scope.require(MEMBERS)
    try:
        rows = await asyncio.to_thread(read_table, data, filename, max_rows)
    except TableError as exc:
        raise AdminError(AdminErrorCode.INVALID, str(exc), "file") from exc
    if not rows:
        raise AdminError(AdminErrorCode.INVALID, "the file holds no members", "file")
    tree = await load_tree(scope.enterprise_id)
    report = ImportReport()
    for start in range(0, len(rows), HASH_BATCH):
        batch = rows[start : start + HASH_BATCH]
        hashes = await asyncio.gather(*(_hash(row) for row in batch))
        for row, digest in zip(batch, hashes, strict=True):
            report.rows.append(await _import_row(scope, tree, row, digest, default_quota, bus))
    async with in_transaction():
        await record(
            scope,
            "member.import",
            filename[:200],
            created=report.count("created"),
            updated=report.count("updated"),
            failed=report.count("error"),
        )
    return report


async def _hash(row: Row) -> str | None:
    password = row.values["password"]
    if not password or validate.PASSWORD_MIN > len(password) or len(password) > 128:
        return None  # blank (kept on update) or refused by the row's validation
    return await asyncio.to_thread(hash_password, password)


def _fields(row: Row) -> MemberFields:
    v = row.values
    return MemberFields(
        email=v["email"],
        name=v["name"] or None,
        password=v["password"] or None,
        position=v["position"] or None,
        mobile=v["mobile"] or None,
        tel=v["tel"] or None,
        vip=parse_flag(v["vip"], "vip"),
        quota=v["quota"] or None,
    )


async def _import_row(
    scope: AdminScope,
    tree: Tree,
    row: Row,
    digest: str | None,
    default_quota: int,
    bus: Bus | None,
) -> RowResult:
    email = normalize_address(row.values["email"])[:254]
    created: list[Node] = []
    try:
        if not email:
            raise validate.invalid("an address is needed", "email")
        given = _fields(row)
        async with in_transaction():
            path = row.values["department"]
            if path.strip().strip("/"):
                department, created = await resolve_path(scope, tree, path, "department")
                given.department_ids = [department]
            existing = await Member.filter(email=email).first()
            if existing is None:
                await create_member(
                    scope, given, default_quota=default_quota, tree=tree, password_hash=digest
                )
                status = "created"
            else:
                given.email = None
                await update_member(
                    scope, existing, given, tree=tree, password_hash=digest, bus=bus
                )
                status = "updated"
    except AdminError as exc:
        for node in reversed(created):
            tree.discard(node)
        return RowResult(
            row=row.number,
            email=email,
            status="error",
            code=exc.code.value,
            message=exc.message,
            field=FIELDS.get(exc.field or "", exc.field),
        )
    return RowResult(row=row.number, email=email, status=status)

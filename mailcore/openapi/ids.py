"""The open API's names for directory objects.

Departments: the API calls every enterprise's root department 1 (as Exmail does); any
other department is its database id plus ``OFFSET``. The mapping is stable (ids never
change) and a real id passed by mistake (below ``OFFSET``) is refused rather than
taken for another department. Groups are named by their address.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import Department, Domain, MailGroup
from mailcore.directory.tree import root_department
from mailcore.org.addresses import normalize_address

ROOT_ID = 1
OFFSET = 1_000_000


@dataclass(frozen=True)
class DepartmentIds:
    enterprise_id: int
    root_pk: int

    def external(self, pk: int | None) -> int:
        """The API id of a department (0 for "no parent")."""
        if pk is None:
            return 0
        return ROOT_ID if pk == self.root_pk else pk + OFFSET

    def candidate(self, external: int) -> int | None:
        if external == ROOT_ID:
            return self.root_pk
        if external > OFFSET:
            return external - OFFSET
        return None

    async def internal(self, external: int, field: str = "id") -> int:
        """The database id of a department of this enterprise, else NOT_FOUND on ``field``."""
        found = await self.internal_many([external], field)
        return found[0]

    async def internal_many(self, externals: list[int], field: str = "id") -> list[int]:
        pks = [self.candidate(e) for e in externals]
        wanted = {pk for pk in pks if pk is not None}
        existing = set(
            await Department.filter(id__in=wanted, enterprise_id=self.enterprise_id).values_list(
                "id", flat=True
            )
        )
        for external, pk in zip(externals, pks, strict=True):
            if pk is None or pk not in existing:
                raise AdminError(
                    AdminErrorCode.NOT_FOUND, f"department {external} not found", field
                )
        return [pk for pk in pks if pk is not None]


async def department_ids(enterprise_id: int) -> DepartmentIds:
    root = await root_department(enterprise_id)
    return DepartmentIds(enterprise_id=enterprise_id, root_pk=root.id)


async def group_pks(enterprise_id: int, addresses: list[str], field: str = "groupid") -> list[int]:
    """The ids of the enterprise's groups with these addresses, else NOT_FOUND on ``field``."""
    wanted = [normalize_address(a) for a in addresses]
    found = dict(
        await MailGroup.filter(email__in=set(wanted), enterprise_id=enterprise_id).values_list(
            "email", "id"
        )
    )
    for address in wanted:
        if address not in found:
            raise AdminError(AdminErrorCode.NOT_FOUND, f"groupid not found: {address}", field)
    return [found[a] for a in wanted]


async def enterprise_domains(enterprise_id: int) -> set[str]:
    """The names of the enterprise's domains (alias domains included)."""
    return set(await Domain.filter(enterprise_id=enterprise_id).values_list("name", flat=True))

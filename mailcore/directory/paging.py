"""Pages of members for the directory and the admin list: filter, search, keyset cursor.

Members are listed in search-key order (pinyin of the name first), then by id; the cursor
is that pair. A page costs three queries whatever its size: the rows, their departments
and the total count.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery

from mailcore.core import keyset
from mailcore.core.models import DepartmentMember, Member
from mailcore.directory.errors import DirectoryError, DirectoryErrorCode
from mailcore.directory.keys import query_forms
from mailcore.directory.validate import has_control

DEFAULT_PAGE = 50
MAX_PAGE = 200
QUERY_MAX = 64


@dataclass
class MemberPage:
    members: list[Member]
    has_next: bool
    end_cursor: str | None
    total: int
    departments: dict[int, list[int]] = field(default_factory=dict)  # member id → departments


def encode_cursor(member: Member) -> str:
    return base64.urlsafe_b64encode(json.dumps([member.search_key, member.id]).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    try:
        key, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, str) or not isinstance(pk, int):
            raise ValueError(cursor)
    except (ValueError, TypeError) as exc:
        raise DirectoryError(DirectoryErrorCode.INVALID, "not a valid cursor", "after") from exc
    return key, pk


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise DirectoryError(
            DirectoryErrorCode.INVALID, f"first must be between 1 and {MAX_PAGE}", "first"
        )
    return first


def clean_query(query: str | None) -> str:
    query = (query or "").strip()
    if len(query) > QUERY_MAX or has_control(query):
        raise DirectoryError(
            DirectoryErrorCode.INVALID,
            f"a search has at most {QUERY_MAX} characters, without control characters",
            "query",
        )
    return query


def in_departments(department_ids: set[int]) -> Q:
    """Members with a membership in one of these departments."""
    return Q(
        id__in=Subquery(
            DepartmentMember.filter(department_id__in=sorted(department_ids)).values("member_id")
        )
    )


def matching(query: str, department_ids: set[int]) -> Q:
    """Key contains the query, or the member is in a department whose name matched."""
    conditions = [Q(search_key__contains=form) for form in query_forms(query)]
    if department_ids:
        conditions.append(in_departments(department_ids))
    return Q(*conditions, join_type=Q.OR)


async def page_members(where: Q, first: int | None, after: str | None) -> MemberPage:
    size = page_size(first)
    cursor = decode_cursor(after)
    rows = Member.filter(where)
    if cursor is not None:
        key, pk = cursor
        rows = rows.filter(keyset.after("search_key", key, pk, descending=False))
    members = list(await rows.order_by("search_key", "id").limit(size + 1))
    has_next = len(members) > size
    members = members[:size]
    total = await Member.filter(where).count()
    departments: dict[int, list[int]] = {m.id: [] for m in members}
    if members:
        pairs = await DepartmentMember.filter(member_id__in=list(departments)).values_list(
            "member_id", "department_id"
        )
        for member_id, department_id in pairs:
            departments[member_id].append(department_id)
    return MemberPage(
        members=members,
        has_next=has_next,
        end_cursor=encode_cursor(members[-1]) if members else None,
        total=total,
        departments=departments,
    )

"""Mail filters: a member's ordered conditions → actions, and their evaluation at ingest.

Conditions look at ``from``, ``to`` (To and Cc), ``subject``, ``size`` and
``has_attachments``; actions move to a folder, flag, mark read, delete (to Trash) and
forward. Filters run in ``position`` order; a matching filter with ``stop`` ends the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import Folder, MailFilter
from mailcore.mail.routing import route
from mailcore.org.addresses import normalize_address
from mailcore.rules.errors import RuleError, RuleErrorCode

MAX_FILTERS = 200
MAX_CONDITIONS = 20
MAX_FORWARD = 10
FIELDS = {"from", "to", "subject", "size", "has_attachments"}
TEXT_OPS = {"contains", "not_contains", "equals", "starts_with", "ends_with"}
SIZE_OPS = {"greater_than", "less_than"}


@dataclass
class Condition:
    field: str
    op: str
    value: str


@dataclass
class Actions:
    folder_id: int | None = None
    flag: bool = False
    mark_read: bool = False
    delete: bool = False
    forward_to: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "folder_id": self.folder_id,
            "flag": self.flag,
            "mark_read": self.mark_read,
            "delete": self.delete,
            "forward_to": self.forward_to,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Actions:
        return cls(
            folder_id=data.get("folder_id"),
            flag=bool(data.get("flag")),
            mark_read=bool(data.get("mark_read")),
            delete=bool(data.get("delete")),
            forward_to=list(data.get("forward_to") or []),
        )


@dataclass
class FilterSpec:
    name: str
    conditions: list[Condition]
    actions: Actions
    match_all: bool = True
    stop: bool = False
    enabled: bool = True


def conditions_of(row: MailFilter) -> list[Condition]:
    return [Condition(c["field"], c["op"], c["value"]) for c in row.conditions]


async def _validate(member_id: int, spec: FilterSpec) -> None:
    if not spec.conditions or len(spec.conditions) > MAX_CONDITIONS:
        raise RuleError(
            RuleErrorCode.INVALID, f"give 1 to {MAX_CONDITIONS} conditions", "conditions"
        )
    for c in spec.conditions:
        if c.field not in FIELDS:
            raise RuleError(RuleErrorCode.INVALID, f"unknown field {c.field!r}", "conditions")
        if c.field == "size":
            if c.op not in SIZE_OPS or not c.value.isdigit():
                raise RuleError(
                    RuleErrorCode.INVALID,
                    "size takes greater_than/less_than and a number of bytes",
                    "conditions",
                )
        elif c.field == "has_attachments":
            if c.value.lower() not in ("true", "false"):
                raise RuleError(
                    RuleErrorCode.INVALID, "has_attachments takes true or false", "conditions"
                )
        elif c.op not in TEXT_OPS or not c.value.strip() or len(c.value) > 500:
            raise RuleError(
                RuleErrorCode.INVALID,
                f"{c.field} takes {', '.join(sorted(TEXT_OPS))} and a text (1-500 characters)",
                "conditions",
            )
    a = spec.actions
    if not (a.folder_id or a.flag or a.mark_read or a.delete or a.forward_to):
        raise RuleError(RuleErrorCode.INVALID, "give at least one action", "actions")
    if a.folder_id is not None:
        if not await Folder.filter(id=a.folder_id, member_id=member_id).exists():
            raise RuleError(RuleErrorCode.NOT_FOUND, "no such folder", "actions.folderId")
    if a.forward_to:
        a.forward_to = await check_forward_addresses(member_id, a.forward_to, "actions.forwardTo")
    if len(spec.name) > 200:
        raise RuleError(RuleErrorCode.INVALID, "the name is at most 200 characters", "name")


async def check_forward_addresses(
    member_id: int, addresses: list[str], field_name: str
) -> list[str]:
    """Valid, existing, deduplicated addresses; external ones only if the member may send out."""
    from mailcore.core.models import Member
    from mailcore.policy.restrict import is_restricted

    cleaned = list(dict.fromkeys(normalize_address(a) for a in addresses if a.strip()))
    if not cleaned or len(cleaned) > MAX_FORWARD:
        raise RuleError(RuleErrorCode.INVALID, f"give 1 to {MAX_FORWARD} addresses", field_name)
    routes = await route(cleaned)
    bad = routes.invalid or routes.unknown
    if bad:
        raise RuleError(RuleErrorCode.INVALID, f"not a deliverable address: {bad[0]}", field_name)
    member = await Member.get(id=member_id)
    if member.email in cleaned or routes.local.get(member.email) == member_id:
        raise RuleError(RuleErrorCode.INVALID, "you cannot forward to yourself", field_name)
    if any(mid == member_id for mid in routes.local.values()):
        raise RuleError(RuleErrorCode.INVALID, "you cannot forward to yourself", field_name)
    if routes.external and await is_restricted(member_id):
        raise RuleError(
            RuleErrorCode.EXTERNAL_NOT_ALLOWED,
            f"you may not send outside the company (to {routes.external[0]})",
            field_name,
        )
    return cleaned


async def list_filters(member_id: int) -> list[MailFilter]:
    return await MailFilter.filter(member_id=member_id).order_by("position", "id")


async def create_filter(member_id: int, spec: FilterSpec) -> MailFilter:
    await _validate(member_id, spec)
    if await MailFilter.filter(member_id=member_id).count() >= MAX_FILTERS:
        raise RuleError(RuleErrorCode.INVALID, f"at most {MAX_FILTERS} filters", None)
    last = await MailFilter.filter(member_id=member_id).order_by("-position").first()
    return await MailFilter.create(
        member_id=member_id,
        position=(last.position + 1) if last else 0,
        **_fields(spec),
    )


def _fields(spec: FilterSpec) -> dict[str, Any]:
    return {
        "name": spec.name.strip(),
        "enabled": spec.enabled,
        "match_all": spec.match_all,
        "stop": spec.stop,
        "conditions": [
            {"field": c.field, "op": c.op, "value": c.value.strip()} for c in spec.conditions
        ],
        "actions": spec.actions.as_json(),
    }


async def _own(member_id: int, filter_id: int) -> MailFilter:
    row = await MailFilter.filter(id=filter_id, member_id=member_id).first()
    if row is None:
        raise RuleError(RuleErrorCode.NOT_FOUND, "no such filter", "id")
    return row


async def update_filter(member_id: int, filter_id: int, spec: FilterSpec) -> MailFilter:
    row = await _own(member_id, filter_id)
    await _validate(member_id, spec)
    row.update_from_dict(_fields(spec))
    await row.save()
    return row


async def delete_filter(member_id: int, filter_id: int) -> None:
    await (await _own(member_id, filter_id)).delete()


async def reorder_filters(member_id: int, ids: list[int]) -> list[MailFilter]:
    """``ids`` is every filter of the member, in the new order."""
    rows = {r.id: r for r in await MailFilter.filter(member_id=member_id)}
    if sorted(ids) != sorted(rows) or len(set(ids)) != len(ids):
        raise RuleError(RuleErrorCode.INVALID, "give each of your filters once", "ids")
    async with in_transaction():
        for position, pk in enumerate(ids):
            await MailFilter.filter(id=pk).update(position=position)
    return await list_filters(member_id)


# Evaluation


def _text_match(op: str, haystacks: list[str], needle: str) -> bool:
    needle = needle.lower()
    values = [h.lower() for h in haystacks]
    if op == "contains":
        return any(needle in v for v in values)
    if op == "not_contains":
        return all(needle not in v for v in values)
    if op == "equals":
        return any(needle == v for v in values)
    if op == "starts_with":
        return any(v.startswith(needle) for v in values)
    if op == "ends_with":
        return any(v.endswith(needle) for v in values)
    return False


def condition_matches(c: Condition, parsed: ParsedMessage) -> bool:
    if c.field == "from":
        a = parsed.from_
        return _text_match(c.op, [a.address, a.name] if a else [""], c.value)
    if c.field == "to":
        values = [x for a in [*parsed.to, *parsed.cc] for x in (a.address, a.name)]
        return _text_match(c.op, values or [""], c.value)
    if c.field == "subject":
        return _text_match(c.op, [parsed.subject], c.value)
    if c.field == "size":
        limit = int(c.value)
        return parsed.size > limit if c.op == "greater_than" else parsed.size < limit
    if c.field == "has_attachments":
        return parsed.has_attachments == (c.value.lower() == "true")
    return False


def matches(conditions: list[dict[str, str]], match_all: bool, parsed: ParsedMessage) -> bool:
    """``conditions`` as stored (``MailFilter.conditions``)."""
    results = (
        condition_matches(Condition(c["field"], c["op"], c["value"]), parsed) for c in conditions
    )
    return all(results) if match_all else any(results)

"""SORT and UID SORT (RFC 5256): ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, REVERSE.

The messages are those SEARCH would find (same keys, same one query with the message
columns); the sort keys come from the same rows: addresses' first mailbox (local part,
case-folded), the sent date (the arrival date when the mail has none), the base subject.
Ties keep message number order (Python's sort is stable; REVERSE reverses only its key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailcore.protocols.imap import mailrows
from mailcore.protocols.imap.parser import Command
from mailcore.protocols.imap.responses import Bad
from mailcore.protocols.imap.search import check_charset, parse_keys, run
from mailcore.protocols.imap.session import SELECTED, Session, command
from mailcore.protocols.imap.subjects import base_subject

if TYPE_CHECKING:
    from datetime import datetime

    from mailcore.protocols.imap.mailrows import Row
    from mailcore.protocols.imap.selected import Selected

CRITERIA = frozenset({"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO"})


def sent_date(row: Row) -> datetime:
    value = (row.message or {}).get("date")
    return row.internal_date() if value is None else mailrows.timestamp(value)


def _mailbox(row: Row, field: str) -> str:
    if field == "from":
        address = (row.message or {}).get("from_address") or ""
    else:
        found = row.addresses(field)
        address = (found[0].get("address") or "") if found else ""
    return address.partition("@")[0].casefold()


def sort_key(row: Row, criterion: str) -> Any:
    if criterion == "ARRIVAL":
        return row.internal_date()
    if criterion == "DATE":
        return sent_date(row)
    if criterion == "SIZE":
        return row.size
    if criterion == "SUBJECT":
        return base_subject((row.message or {}).get("subject") or "")[0]
    return _mailbox(row, criterion.lower())


def ordered(rows: list[Row], criteria: list[tuple[str, bool]]) -> list[Row]:
    """Rows (in message number order) sorted by ``(criterion, reverse)`` pairs."""
    result = list(rows)
    for criterion, reverse in reversed(criteria):
        result.sort(key=lambda r, c=criterion: sort_key(r, c), reverse=reverse)
    return result


def parse_criteria(values: list) -> list[tuple[str, bool]]:
    criteria: list[tuple[str, bool]] = []
    reverse = False
    for value in values:
        word = str(value).upper() if not isinstance(value, list) else ""
        if word == "REVERSE" and not reverse:
            reverse = True
            continue
        if word not in CRITERIA:
            raise Bad("SORT criteria are ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, REVERSE")
        criteria.append((word, reverse))
        reverse = False
    if reverse or not criteria:
        raise Bad("SORT needs criteria (REVERSE goes before one)")
    return criteria


@command("SORT", "UID SORT", states=SELECTED)
async def sort(session: Session, cmd: Command) -> None:
    selected: Selected = session.selected  # type: ignore[assignment]
    by_uid = cmd.name == "UID SORT"
    criteria = parse_criteria(cmd.args.list("sort criteria").rest())
    check_charset(cmd.args.astring("charset"))
    key = parse_keys(cmd.args)
    rows = await run(session, selected, key, with_message=True)
    numbers = [r.uid if by_uid else selected.msn(r.uid) for r in ordered(rows, criteria)]
    session.untagged("SORT" + "".join(f" {n}" for n in numbers))

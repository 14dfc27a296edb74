"""``/cgi-bin/log/*`` (logs apps), over ``mailcore.logs`` (the administrators' logs).

Dates are ``YYYY-MM-DD`` (UTC days), ``begin_date`` and ``end_date`` both included, at most
``MAX_DAYS`` apart. Times in the answers are Unix timestamps.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.openapi.errcodes import invalid
from api.openapi.framework import Call, endpoint
from api.openapi.lookup import check_userid, member_of
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AppKind, ClientKind
from mailcore.logs.admin import LoginFilter, OperationFilter, login_logs, operation_logs
from mailcore.logs.maillog import Direction, MailFilter, MailLogRow, mail_logs
from mailcore.openapi.ids import enterprise_domains
from mailcore.org.addresses import normalize_domain, split_address

MAX_DAYS = 31
PAGE = 200
MAX_ROWS = 50_000

LOGIN_TYPES = {
    ClientKind.WEB: 1,
    ClientKind.MINIPROGRAM: 2,
    ClientKind.POP3: 3,
    ClientKind.IMAP: 4,
    ClientKind.SMTP: 5,
    ClientKind.API: 6,
}
# log/operation "type": which actions (prefixes of OperationLog.action) to list.
OPERATION_TYPES = {
    1: None,
    2: "member.",
    3: "department.",
    4: "group.",
    5: "security.",
    6: "openapi.",
    7: "admin.",
}
SENT = (Direction.OUT, Direction.INTERNAL)
RECEIVED = (Direction.IN, Direction.INTERNAL)


def _day(call: Call, name: str) -> date:
    text = call.params.text(name, required=True)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise invalid(f"{name} must be a date like 2024-01-31") from exc


def _range(call: Call) -> tuple[datetime, datetime]:
    begin, end = _day(call, "begin_date"), _day(call, "end_date")
    if end < begin:
        raise invalid("end_date is before begin_date")
    if (end - begin).days >= MAX_DAYS:
        raise invalid(f"a range covers at most {MAX_DAYS} days")
    since = datetime(begin.year, begin.month, begin.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return since, until


async def _domain(call: Call) -> str:
    domain = normalize_domain(call.params.text("domain", required=True))
    if domain not in await enterprise_domains(call.access.enterprise_id):
        raise invalid(f"{domain} is not a domain of this enterprise")
    return domain


async def _pages(fetch: Any) -> list[Any]:
    """Every row of a paged log query, up to MAX_ROWS."""
    rows: list[Any] = []
    after = None
    while True:
        page = await fetch(after)
        rows += page.items
        if len(rows) > MAX_ROWS:
            raise invalid("too many log rows: narrow the date range")
        if not page.has_next:
            return rows
        after = page.end_cursor


async def _mail_rows(
    scope: AdminScope, since: datetime, until: datetime, direction: Direction | None = None
) -> list[MailLogRow]:
    where = MailFilter(since=since, until=until, direction=direction)
    return await _pages(lambda after: mail_logs(scope, where, PAGE, after))


def _domain_of(address: str) -> str:
    return split_address(address)[1].lower()


def _sent_by(row: MailLogRow, domain: str) -> bool:
    return row.direction in SENT and _domain_of(row.sender) == domain


def _received_by(row: MailLogRow, domain: str) -> bool:
    return row.direction in RECEIVED and _domain_of(row.recipient) == domain


@endpoint(AppKind.LOGS)
async def mailstatus(call: Call) -> dict[str, Any]:
    """Per day: mail sent by the domain's members and mail they received (each recipient)."""
    domain = await _domain(call)
    since, until = _range(call)
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for row in await _mail_rows(call.scope, since, until):
        day = row.time.astimezone(UTC).date().isoformat()
        sent[day] += _sent_by(row, domain)
        received[day] += _received_by(row, domain)
    days = [(since + timedelta(days=n)).date().isoformat() for n in range((until - since).days)]
    return {"list": [{"date": d, "sendsum": sent[d], "receivesum": received[d]} for d in days]}


@endpoint(AppKind.LOGS)
async def mail(call: Call) -> dict[str, Any]:
    """Mail of the domain's members, one row per recipient: ``mailtype`` 0 all, 1 sent,
    2 received; ``userid`` (sender or recipient) and ``subject`` (contained) narrow it."""
    params = call.params
    domain = await _domain(call)
    since, until = _range(call)
    mailtype = params.integer("mailtype", default=0)
    if mailtype not in (0, 1, 2):
        raise invalid("mailtype is 0 (all), 1 (sent) or 2 (received)")
    userid = check_userid(params.text("userid")) if params.has("userid") else None
    subject = params.text("subject").casefold()
    out = []
    for row in await _mail_rows(call.scope, since, until):
        sent = mailtype in (0, 1) and _sent_by(row, domain)
        if not sent and not (mailtype in (0, 2) and _received_by(row, domain)):
            continue
        if userid and userid not in (row.sender.lower(), row.recipient.lower()):
            continue
        if subject and subject not in row.subject.casefold():
            continue
        out.append(
            {
                "mailtype": 1 if sent else 2,
                "sender": row.sender,
                "receiver": row.recipient,
                "subject": row.subject,
                "time": int(row.time.timestamp()),
                "status": row.status,
            }
        )
    return {"list": out}


@endpoint(AppKind.LOGS)
async def login(call: Call) -> dict[str, Any]:
    """A member's successful logins: ``type`` 1 web, 2 mini-program, 3 POP3, 4 IMAP,
    5 SMTP, 6 API."""
    member = await member_of(call, call.params.text("userid", required=True))
    since, until = _range(call)
    where = LoginFilter(member=member.email, since=since, until=until, success=True)
    rows = await _pages(lambda after: login_logs(call.scope, where, PAGE, after))
    return {
        "list": [
            {
                "time": int(e.created_at.timestamp()),
                "ip": e.ip,
                "type": LOGIN_TYPES.get(ClientKind(e.client), 0),
            }
            for e in rows
        ]
    }


@endpoint(AppKind.LOGS)
async def operation(call: Call) -> dict[str, Any]:
    """Administrators' operations: ``type`` 1 all, 2 members, 3 departments, 4 groups,
    5 security, 6 open API apps, 7 administrator roles."""
    kind = call.params.integer("type", default=1)
    if kind not in OPERATION_TYPES:
        raise invalid(f"type is one of {', '.join(map(str, OPERATION_TYPES))}")
    since, until = _range(call)
    where = OperationFilter(action=OPERATION_TYPES[kind], since=since, until=until)
    rows = await _pages(lambda after: operation_logs(call.scope, where, PAGE, after))
    return {
        "list": [
            {
                "time": int(e.created_at.timestamp()),
                "operator": e.actor,
                "type": e.action,
                "operation": _describe(e.action, e.target, e.detail),
            }
            for e in rows
        ]
    }


def _describe(action: str, target: str, detail: Any) -> str:
    text = f"{action} {target}".strip()
    return f"{text} {detail}" if detail else text

"""``/cgi-bin/log/*`` (logs apps) as Exmail answers them, over ``mailcore.logs``.

Request parameters, response fields and integer codes follow Exmail's published pages
(doc#10027 mailstatus, #10028 mail, #10029 login, #10030 batchjob, #10031 operation); the
codes come from ``api.openapi.logcodes``, Qiyou's finer detail rides along in ``qiyou_*``
fields. Periods are read by ``api.openapi.logperiod``. Times are Unix seconds.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from typing import Any

from api.openapi import logcodes
from api.openapi.errcodes import invalid
from api.openapi.framework import Call, endpoint
from api.openapi.logperiod import MAX_ROWS, PAGE, all_pages, days, mail_rows, period
from api.openapi.lookup import check_userid, member_of
from mailcore.core.models import AppKind, ClientKind
from mailcore.logs.admin import LoginFilter, OperationFilter, login_logs, operation_logs
from mailcore.logs.batchjobs import batch_jobs
from mailcore.logs.maillog import Direction, MailLogRow
from mailcore.openapi.ids import enterprise_domains
from mailcore.org.addresses import normalize_domain, split_address

SENT = (Direction.OUT, Direction.INTERNAL)
RECEIVED = (Direction.IN, Direction.INTERNAL)


async def _domains(call: Call, *, required: bool) -> set[str]:
    """The one ``domain`` asked for (one of the enterprise's), else all of them."""
    ours = set(await enterprise_domains(call.access.enterprise_id))
    if not required and not call.params.text("domain"):
        return ours
    domain = normalize_domain(call.params.text("domain", required=True))
    if domain not in ours:
        raise invalid(f"domain {domain} is not a domain of this enterprise")
    return {domain}


def _domain_of(address: str) -> str:
    return split_address(address)[1].lower()


def _mailtypes(row: MailLogRow, domains: set[str]) -> list[int]:
    """The sides of a row in ``domains``: sent by a member, received by one, or both."""
    kinds = []
    if row.direction in SENT and _domain_of(row.sender) in domains:
        kinds.append(logcodes.MAIL_SENT)
    if row.direction in RECEIVED and _domain_of(row.recipient) in domains:
        kinds.append(logcodes.MAIL_RECEIVED)
    return kinds


@endpoint(AppKind.LOGS)
async def mailstatus(call: Call) -> dict[str, Any]:
    """Mail sent by the domain's members (each recipient) and mail they received, in the
    period (``sendsum``, ``recvsum``); ``list`` has the same per day."""
    domains = await _domains(call, required=True)
    since, until = period(call)
    per_day: dict[int, Counter[str]] = {
        logcodes.MAIL_SENT: Counter(),
        logcodes.MAIL_RECEIVED: Counter(),
    }
    for row in await mail_rows(call.scope, since, until):
        for kind in _mailtypes(row, domains):
            per_day[kind][row.time.astimezone(UTC).date().isoformat()] += 1
    sent, received = per_day[logcodes.MAIL_SENT], per_day[logcodes.MAIL_RECEIVED]
    return {
        "sendsum": sum(sent.values()),
        "recvsum": sum(received.values()),
        "list": [
            {"date": d, "sendsum": sent[d], "receivesum": received[d]} for d in days(since, until)
        ],
    }


@endpoint(AppKind.LOGS)
async def mail(call: Call) -> dict[str, Any]:
    """Mail of the enterprise's members (of ``domain`` when given), one row per recipient:
    ``mailtype`` 0 both, 1 sent, 2 received; ``userid`` (the member on that side) and
    ``subject`` (contained) narrow it."""
    params = call.params
    mailtype = params.integer("mailtype", default=0)
    if mailtype not in logcodes.MAILTYPES:
        raise invalid(f"mailtype is 0 (all), 1 (sent) or 2 (received), not {mailtype}")
    userid = check_userid(params.text("userid")) if params.has("userid") else None
    subject = params.text("subject").casefold()
    domains = await _domains(call, required=False)
    since, until = period(call)
    out = []
    for row in await mail_rows(call.scope, since, until):
        if subject and subject not in row.subject.casefold():
            continue
        for kind in _mailtypes(row, domains):
            member = row.sender if kind == logcodes.MAIL_SENT else row.recipient
            if mailtype not in (0, kind) or userid and member.lower() != userid:
                continue
            out.append(
                {
                    "mailtype": kind,
                    "sender": row.sender,
                    "receiver": row.recipient,
                    "subject": row.subject,
                    "time": int(row.time.timestamp()),
                    "status": logcodes.mail_status(kind, row.status, row.folder_role),
                    "qiyou_status": row.status,
                }
            )
    return {"list": out}


@endpoint(AppKind.LOGS)
async def login(call: Call) -> dict[str, Any]:
    """A member's successful logins, ``type`` in Exmail's codes, Qiyou's in ``qiyou_type``."""
    member = await member_of(call, call.params.text("userid", required=True))
    since, until = period(call)
    where = LoginFilter(member=member.email, since=since, until=until, success=True)
    rows = await all_pages(lambda after: login_logs(call.scope, where, PAGE, after))
    return {
        "list": [
            {
                "time": int(e.created_at.timestamp()),
                "ip": e.ip,
                "type": logcodes.login_type(e.client),
                "qiyou_type": logcodes.QIYOU_LOGIN_TYPES[ClientKind(e.client)],
                "qiyou_client": ClientKind(e.client).value,
            }
            for e in rows
        ]
    }


def _operation_filter(call: Call) -> tuple[int, str | None]:
    """Exmail's category (0 all) and, for Qiyou's former ``qiyou_type``, an action prefix."""
    params = call.params
    if params.has("qiyou_type"):
        old = params.integer("qiyou_type")
        if old not in logcodes.QIYOU_OPERATION_TYPES:
            raise invalid(f"qiyou_type is one of 1–7, not {old}")
        return logcodes.OPERATION_ALL, logcodes.QIYOU_OPERATION_TYPES[old]
    kind = params.integer("type", default=logcodes.OPERATION_ALL)
    if kind != logcodes.OPERATION_ALL and kind not in logcodes.OPERATION_CATEGORIES:
        raise invalid(f"type is 0 (all) or a category from 1 to 9, not {kind}")
    return kind, None


@endpoint(AppKind.LOGS)
async def operation(call: Call) -> dict[str, Any]:
    """Administrators' operations of a category (``type`` 0 all): Exmail's operation code
    in ``type``, its object in ``operand``, Qiyou's action in ``qiyou_type``."""
    kind, prefix = _operation_filter(call)
    since, until = period(call)
    where = OperationFilter(action=prefix, since=since, until=until)
    rows = await all_pages(lambda after: operation_logs(call.scope, where, PAGE, after))
    out = []
    for e in rows:
        if kind and kind not in logcodes.operation_categories(e.action, e.actor):
            continue
        row = {
            "time": int(e.created_at.timestamp()),
            "operator": e.actor,
            "type": logcodes.operation_code(e.action, e.detail),
            "operand": e.target,
            "qiyou_type": e.action,
            "operation": _describe(e.action, e.target, e.detail),
        }
        if e.action == "member.restore":
            row["remark"] = logcodes.RESTORED_REMARK
        out.append(row)
    return {"list": out}


def _describe(action: str, target: str, detail: Any) -> str:
    text = f"{action} {target}".strip()
    return f"{text} {detail}" if detail else text


@endpoint(AppKind.LOGS)
async def batchjob(call: Call) -> dict[str, Any]:
    """Batch jobs started in the period: mass mail, member imports, notices, signatures."""
    since, until = period(call)
    jobs = await batch_jobs(call.scope, since, until, MAX_ROWS)
    return {
        "list": [
            {
                "time": int(j.time.timestamp()),
                "operator": j.operator,
                "type": logcodes.batch_type(j.kind),
                "status": logcodes.batch_status(j.status),
                "qiyou_type": j.kind,
                "qiyou_status": j.status,
                "qiyou_counts": j.counts,
            }
            for j in jobs
        ]
    }

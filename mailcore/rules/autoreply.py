"""The vacation auto-reply: settings, who gets one (RFC 3834), and building the reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message as HeaderMessage

from mailcore.core.mime.build import build_message, build_references
from mailcore.core.mime.types import Address, ParsedMessage
from mailcore.core.models import AutoReply, Member
from mailcore.org.addresses import normalize_address, split_address
from mailcore.rules.errors import RuleError, RuleErrorCode

MAX_TEXT = 20000
MAX_INTERVAL_DAYS = 365
# Local parts that are machines, never people (RFC 3834 section 2, vacation(1) habits).
MACHINE_LOCALS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "nobody"}
LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "mailing-list")
LOOP_HEADER = "X-Qiyou-Loop"


@dataclass
class AutoReplySpec:
    enabled: bool
    subject: str = ""
    text: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    interval_days: int = 4


async def get_auto_reply(member_id: int) -> AutoReply:
    row = await AutoReply.filter(member_id=member_id).first()
    return row or AutoReply(member_id=member_id)


async def set_auto_reply(member_id: int, spec: AutoReplySpec) -> AutoReply:
    if spec.enabled and not spec.text.strip():
        raise RuleError(RuleErrorCode.INVALID, "write the reply text", "text")
    if len(spec.text) > MAX_TEXT:
        raise RuleError(RuleErrorCode.INVALID, f"the text is at most {MAX_TEXT} characters", "text")
    if len(spec.subject) > 500:
        raise RuleError(RuleErrorCode.INVALID, "the subject is at most 500 characters", "subject")
    if not 1 <= spec.interval_days <= MAX_INTERVAL_DAYS:
        raise RuleError(
            RuleErrorCode.INVALID, f"the interval is 1 to {MAX_INTERVAL_DAYS} days", "intervalDays"
        )
    if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
        raise RuleError(RuleErrorCode.INVALID, "the end must be after the start", "endsAt")
    values = {
        "enabled": spec.enabled,
        "subject": spec.subject.strip(),
        "text": spec.text,
        "starts_at": spec.starts_at,
        "ends_at": spec.ends_at,
        "interval_days": spec.interval_days,
    }
    row = await AutoReply.filter(member_id=member_id).first()
    if row is None:
        return await AutoReply.create(member_id=member_id, **values)
    row.update_from_dict(values)
    await row.save()
    return row


def active(row: AutoReply, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if not row.enabled:
        return False
    if row.starts_at and now < row.starts_at:
        return False
    return not (row.ends_at and now >= row.ends_at)


def is_automatic(headers: HeaderMessage, envelope_from: str) -> bool:
    """Mail that must never get an auto-reply: null sender, machines, lists, bulk, auto."""
    sender = normalize_address(envelope_from or "")
    if not sender or "@" not in sender:
        return True
    local = split_address(sender)[0]
    if local in MACHINE_LOCALS or local.startswith("owner-") or local.endswith("-request"):
        return True
    auto = (headers.get("auto-submitted") or "no").strip().lower()
    if auto != "no":
        return True
    if (headers.get("precedence") or "").strip().lower() in ("bulk", "list", "junk"):
        return True
    if any(headers.get(h) is not None for h in LIST_HEADERS):
        return True
    suppress = (headers.get("x-auto-response-suppress") or "").lower()
    return "all" in suppress or "oof" in suppress


def build_reply(member: Member, row: AutoReply, to: str, parsed: ParsedMessage) -> bytes:
    subject = row.subject or f"Auto: {parsed.subject}".strip()
    raw, _ = build_message(
        from_=Address(name=member.name, address=member.email),
        to=[Address(name="", address=to)],
        cc=[],
        subject=subject,
        text=row.text,
        html=None,
        in_reply_to=parsed.message_id,
        references=build_references(parsed.message_id, parsed.references),
        extra_headers={
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
            "Precedence": "auto_reply",
            LOOP_HEADER: member.email,
        },
        domain=member.email.rpartition("@")[2],
    )
    return raw

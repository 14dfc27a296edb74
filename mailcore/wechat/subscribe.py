"""WeChat subscribe messages for new mail that arrives while the mini-program is closed.

The mini-program asks with ``wx.requestSubscribeMessage`` and records each acceptance
(``accept``): WeChat lets a one-time acceptance carry exactly one message, so acceptances
are counted as credits per member and template. A stored message with Inbox copies commits
one outbox job (``new_mail_jobs``); its handler ``Reminders`` sends one message per Inbox
copy of a bound member with a credit left, through ``cgi-bin/message/subscribe/send``
(``mailcore.wechat.client``). Sending never fails or delays ingest; an answer 43101 (no
acceptance left on WeChat's side) clears the credits. Calendar reminders spend credits of
their own template the same way (``send_to_member``, called by ``mailcore.calendar.reminders``).

The mail's date is written in the server's ``QIYOU_TIME_ZONE`` (default Asia/Shanghai):
members have no time zone of their own, and a reminder saying 10:00 for mail sent at
18:00 +0800 reads as wrong to everyone in China. The mini-program shows its dates in the
same zone (``miniprogramConfig.timeZone``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.expressions import F

from mailcore.core.config import Settings
from mailcore.core.models import FolderRole, WechatBinding, WechatSubscription
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.store.registry import Job
from mailcore.store.request import OLD_MAIL, IngestRequest, IngestResult
from mailcore.wechat.client import WechatApi, WechatError, send_subscribe_message

log = logging.getLogger(__name__)

MAX_CREDITS = 50
NO_ACCEPTANCE = 43101
THING = 20  # WeChat's limit on a "thing" value
PAGE = "pages/message/message?id={id}"


def template_id(settings: Settings) -> str:
    return settings.wechat_mail_template if settings.wechat_appid else ""


def calendar_template_id(settings: Settings) -> str:
    """The template of calendar reminders (the ``WECHAT`` channel), or "" when off."""
    return settings.wechat_calendar_template if settings.wechat_appid else ""


async def accept(settings: Settings, member_id: int, template: str) -> WechatSubscription:
    """The member accepted one message of a template the server uses, new mail or calendar
    reminders (``requestSubscribeMessage`` said accept)."""
    used = {template_id(settings), calendar_template_id(settings)} - {""}
    if template not in used:
        raise SecurityError(
            SecurityErrorCode.INVALID, "this template is not used by the server", "templateId"
        )
    if not await WechatBinding.filter(member_id=member_id).exists():
        raise SecurityError(SecurityErrorCode.WECHAT_NOT_BOUND, "bind WeChat first")
    row, _ = await WechatSubscription.get_or_create(member_id=member_id, template_id=template)
    if row.credits < MAX_CREDITS:
        await WechatSubscription.filter(id=row.id).update(credits=F("credits") + 1)
        await row.refresh_from_db()
    return row


async def credits_of(member_id: int, template: str) -> int:
    row = await WechatSubscription.filter(member_id=member_id, template_id=template).first()
    return row.credits if row else 0


def _fields(settings: Settings) -> dict[str, str]:
    pairs = (p.partition("=") for p in settings.wechat_mail_fields.split(","))
    return {key.strip(): what.strip() for key, _, what in pairs if key.strip() and what.strip()}


def _value(what: str, sender: str, subject: str, when: datetime) -> str:
    if what == "from":
        return sender[:THING] or "-"
    if what == "subject":
        return (subject or "(无主题)")[:THING]
    if what == "date":
        return when.strftime("%Y-%m-%d %H:%M")
    return what[:THING]


def utc_offset(settings: Settings, at: datetime | None = None) -> int:
    """Minutes the members' zone is ahead of UTC at ``at`` (now), for the mini-program."""
    offset = (at or datetime.now(UTC)).astimezone(ZoneInfo(settings.time_zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def reminder_data(settings: Settings, mail: dict) -> dict[str, str]:
    """The template's values for one mail of a ``new_mail_jobs`` payload."""
    when = datetime.fromisoformat(mail["when"]).astimezone(ZoneInfo(settings.time_zone))
    return {
        key: _value(what, mail["sender"], mail["subject"], when)
        for key, what in _fields(settings).items()
    }


NEW_MAIL = "wechat.new_mail"  # the outbox topic


def new_mail_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """The outbox job of a stored message with Inbox copies (inside its commit: no I/O)."""
    if request.source in OLD_MAIL:
        return []
    inbox = [[s.member_id, s.entry_id] for s in result.entries if s.role is FolderRole.INBOX]
    if not inbox:
        return []
    parsed = result.parsed
    when = parsed.date or datetime.now(UTC)
    mail = {
        "entries": inbox,
        "sender": (parsed.from_.name or parsed.from_.address) if parsed.from_ else "",
        "subject": parsed.subject,
        "when": when.isoformat(),
    }
    return [Job(NEW_MAIL, {"mails": [mail]}, merge=True)]


class Reminders:
    """Outbox handler: sends the subscribe messages due for new-mail jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, jobs: list[dict]) -> None:
        for job in [mail for payload in jobs for mail in payload["mails"]]:
            try:
                await self._notify(job)
            except Exception:  # noqa: BLE001 - one reminder is not worth repeating the batch
                log.exception("could not send WeChat subscribe messages")

    async def _notify(self, job: dict) -> None:
        settings = self.settings
        if not template_id(settings):
            return
        inbox = {member_id: entry_id for member_id, entry_id in job["entries"]}
        template = template_id(settings)
        due = await WechatSubscription.filter(
            member_id__in=list(inbox), template_id=template, credits__gt=0
        ).values("id", "member_id", "credits")
        if not due:
            return
        openids = dict(
            await WechatBinding.filter(member_id__in=[d["member_id"] for d in due]).values_list(
                "member_id", "openid"
            )
        )
        data = reminder_data(settings, job)
        api = WechatApi.from_settings(settings)
        for row in due:
            openid = openids.get(row["member_id"])
            if openid is None:
                continue
            page = PAGE.format(id=inbox[row["member_id"]])
            await _spend(api, row["id"], openid, template, data, page)


async def send_to_member(
    settings: Settings, member_id: int, template: str, data: dict[str, str], page: str
) -> bool:
    """One message of ``template`` to a bound member with a credit of it left: whether it was
    sent (not: no binding, no credit, or WeChat refused — logged)."""
    row = await WechatSubscription.filter(
        member_id=member_id, template_id=template, credits__gt=0
    ).first()
    binding = await WechatBinding.filter(member_id=member_id).first() if row else None
    if row is None or binding is None:
        return False
    return await _spend(
        WechatApi.from_settings(settings), row.id, binding.openid, template, data, page
    )


async def _spend(
    api: WechatApi, row_id: int, openid: str, template: str, data: dict[str, str], page: str
) -> bool:
    """Claim one credit of subscription ``row_id`` and send one message with it."""
    # Claim one credit (compare-and-set), so two processes never spend it twice.
    claimed = await WechatSubscription.filter(id=row_id, credits__gt=0).update(
        credits=F("credits") - 1
    )
    if not claimed:
        return False
    try:
        await send_subscribe_message(api, openid, template, data, page=page)
    except WechatError as exc:
        if exc.errcode == NO_ACCEPTANCE:
            await WechatSubscription.filter(id=row_id).update(credits=0)
        else:  # not sent: give the credit back for the next message
            await WechatSubscription.filter(id=row_id).update(credits=F("credits") + 1)
        log.warning("WeChat subscribe message not sent: %s", exc.message)
        return False
    await WechatSubscription.filter(id=row_id).update(
        sent=F("sent") + 1, last_sent_at=datetime.now(UTC)
    )
    return True

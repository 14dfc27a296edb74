"""New-mail webhooks: a durable queue of signed POSTs, retried with exponential backoff.

A stored message with Inbox copies commits one outbox job (``new_mail_jobs``, registered in
``mailcore/runtime.py``); its handler ``enqueue_new_mail`` gives every enabled newmail app
of each member's enterprise with a webhook URL a ``WebhookDelivery`` row for each copy. The
``WebhookWorker`` (started in the app lifespan) POSTs each due row as JSON
``{"msgid", "userid", "from", "subject", "time", "unread"}`` with
``X-Qiyou-Signature: sha256=<hex HMAC-SHA256 of the body with the app's webhook secret>``.
An app in Exmail's format gets the same notification as Exmail's encrypted XML instead
(``exmailcallback.new_mail_request``: signed query string, new nonce on every attempt).
A 2xx answer delivers it; anything else is retried after the next backoff step until
``webhook_max_attempts``. Rows live in the database, so pending calls survive restarts;
any number of processes send from them: a batch of due rows is claimed in one ``UPDATE ...
RETURNING`` that bumps each attempt counter and moves ``next_attempt_at`` to the end of a
lease (rows locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one writer on SQLite), so no
attempt is sent twice, and the rows of a process that died are due again when the lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.connection import get_connections

from mailcore.core.config import Settings
from mailcore.core.locks import singleton
from mailcore.core.models import CallbackFormat, FolderRole, Member, OpenApp, WebhookDelivery
from mailcore.core.sqlwork import Statement, Work, run_transaction
from mailcore.openapi.apps import no_webhook_apps, webhook_apps
from mailcore.openapi.credentials import sign
from mailcore.openapi.exmailcallback import CallbackKeys, new_mail_request
from mailcore.openapi.newmail import unread_inbox_counts
from mailcore.store.registry import Job
from mailcore.store.request import OLD_MAIL, IngestRequest, IngestResult

log = logging.getLogger(__name__)

BATCH = 50
KEEP_DELIVERED = timedelta(days=7)
PURGE_EVERY = 3600.0
_worker: WebhookWorker | None = None


NEW_MAIL = "webhook.new_mail"  # the outbox topic


def new_mail_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """The outbox job of a stored message with Inbox copies (inside its commit: no I/O)."""
    if request.source in OLD_MAIL:
        return []  # imported, migrated or restored old mail is not new mail
    inbox = [[s.member_id, s.entry_id] for s in result.entries if s.role is FolderRole.INBOX]
    if not inbox:
        return []
    if no_webhook_apps():
        return []  # known (and kept fresh over the bus): no enterprise has such an app
    parsed = result.parsed
    mail = {
        "entries": inbox,
        "from": parsed.from_.address if parsed.from_ else "",
        "subject": parsed.subject,
        "time": int(datetime.now(UTC).timestamp()),
    }
    return [Job(NEW_MAIL, {"mails": [mail]}, merge=True)]


async def enqueue_new_mail(jobs: list[dict]) -> None:
    """Outbox handler: queue the webhook calls of new-mail jobs (one row per app and copy)."""
    hooked = await webhook_apps()
    if not hooked:
        return
    mails = [mail for job in jobs for mail in job["mails"]]
    member_ids = {member_id for mail in mails for member_id, _ in mail["entries"]}
    members = {
        m["id"]: m
        for m in await Member.filter(id__in=member_ids).values("id", "enterprise_id", "email")
        if m["enterprise_id"] in hooked
    }
    unread = await unread_inbox_counts(set(members)) if members else {}
    now = datetime.now(UTC)
    rows = []
    for job in mails:
        for member_id, entry_id in job["entries"]:
            member = members.get(member_id)
            app_ids = hooked.get(member["enterprise_id"], []) if member else []
            if not member or not app_ids:
                continue
            body = json.dumps(
                {
                    "msgid": str(entry_id),
                    "userid": member["email"],
                    "from": job["from"],
                    "subject": job["subject"],
                    "time": job["time"],
                    "unread": unread.get(member_id, 0),
                },
                ensure_ascii=False,
            )
            rows += [WebhookDelivery(app_id=a, body=body, next_attempt_at=now) for a in app_ids]
    if rows:
        await WebhookDelivery.bulk_create(rows)
        if _worker is not None:
            _worker.wake()


def _claim(
    now: datetime, lease: datetime, max_attempts: int, limit: int, postgres: bool
) -> Work[list[int]]:
    field = WebhookDelivery._meta.fields_map["next_attempt_at"]
    skip = " FOR UPDATE SKIP LOCKED" if postgres else ""
    rows = yield Statement(
        'UPDATE "webhook_delivery" SET "attempts" = "attempts" + 1, "next_attempt_at" = ? '
        'WHERE "id" IN (SELECT "id" FROM "webhook_delivery" WHERE "delivered_at" IS NULL '
        'AND "attempts" < ? AND "next_attempt_at" <= ? ORDER BY "next_attempt_at", "id" '
        f'LIMIT ?{skip}) RETURNING "id"',
        [field.to_db_value(lease, None), max_attempts, field.to_db_value(now, None), limit],
    )
    return [row[0] for row in rows]


class WebhookWorker:
    """Sends due webhook deliveries in the background (in any number of processes)."""

    def __init__(self, settings: Settings) -> None:
        self.backoff = settings.webhook_backoff or (10.0,)
        self.max_attempts = max(1, settings.webhook_max_attempts)
        self.timeout = settings.webhook_timeout
        self.poll = settings.webhook_poll
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._purged = 0.0

    def start(self) -> None:
        global _worker
        self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        self._task = asyncio.create_task(self._run(), name="qiyou-webhooks")
        _worker = self

    async def stop(self) -> None:
        global _worker
        if _worker is self:
            _worker = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        self._event.set()

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once() == BATCH:
                    pass
                await self._purge()
            except Exception:  # noqa: BLE001 - keep the worker alive, retry on the next round
                log.exception("webhook round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), self.poll)
            self._event.clear()

    async def run_once(self) -> int:
        """Claim due deliveries (up to BATCH) and send them; return how many were claimed."""
        now = datetime.now(UTC)
        lease = now + timedelta(seconds=self.timeout + 30)  # see _post: a call ends before
        postgres = get_connections().get("default").capabilities.dialect == "postgres"
        ids = await run_transaction(_claim(now, lease, self.max_attempts, BATCH, postgres))
        if not ids:
            return 0
        claimed = await WebhookDelivery.filter(id__in=ids).select_related("app")
        await asyncio.gather(*(self._attempt(row) for row in claimed))
        return len(ids)

    async def _attempt(self, row: WebhookDelivery) -> None:
        """Send a claimed row (``row.attempts``: this attempt's number, which every outcome
        names, so an attempt that outlived its lease changes nothing)."""
        attempts = row.attempts
        mine = WebhookDelivery.filter(id=row.id, attempts=attempts, delivered_at=None)
        app = row.app
        if not app.enabled or not app.webhook_url:
            await mine.update(
                attempts=self.max_attempts, last_error="the app is disabled or has no webhook"
            )
            return
        error = await self._post(app, row)
        now = datetime.now(UTC)
        if not error:
            await mine.update(delivered_at=now, last_error="")
            return
        delay = self.backoff[min(attempts - 1, len(self.backoff) - 1)]
        log.info("webhook %s attempt %s failed: %s", row.id, attempts, error)
        await mine.update(next_attempt_at=now + timedelta(seconds=delay), last_error=error[:1000])

    async def _post(self, app: OpenApp, row: WebhookDelivery) -> str:
        """'' when the receiver accepted the call, else what went wrong."""
        assert self._client is not None
        headers = {"User-Agent": "Qiyou-Webhook/1", "X-Qiyou-Delivery": str(row.id)}
        url: str | httpx.URL = app.webhook_url
        if app.callback_format is CallbackFormat.EXMAIL:
            keys = CallbackKeys(app.callback_token, app.callback_aes_key, app.corpid)
            url, body = new_mail_request(keys, app.webhook_url, row.body)
            headers["Content-Type"] = "text/xml; charset=utf-8"
        else:
            body = row.body.encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
            headers["X-Qiyou-Signature"] = sign(app.webhook_secret, body)
        try:
            async with asyncio.timeout(self.timeout + 20):  # within the lease, however slow
                response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        except TimeoutError:
            return "the receiver took too long"
        if 200 <= response.status_code < 300:
            return ""
        return f"HTTP {response.status_code}"

    async def _purge(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._purged < PURGE_EVERY:
            return
        self._purged = loop.time()
        cutoff = datetime.now(UTC) - KEEP_DELIVERED
        async with singleton("webhook-purge") as held:
            if not held:
                return  # another process purges right now
            await WebhookDelivery.filter(delivered_at__lt=cutoff).delete()
            await WebhookDelivery.filter(
                delivered_at=None, attempts__gte=self.max_attempts, created_at__lt=cutoff
            ).delete()

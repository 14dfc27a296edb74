"""New-mail webhooks: a durable queue of signed POSTs, retried with exponential backoff.

Ingest calls ``enqueue_new_mail`` after a commit: for each copy stored in a member's
Inbox, every enabled newmail app of the member's enterprise with a webhook URL gets a
``WebhookDelivery`` row (nothing is queried when no enterprise has such an app). The
``WebhookWorker`` (started in the app lifespan) POSTs each due row as JSON
``{"msgid", "userid", "from", "subject", "time", "unread"}`` with
``X-Qiyou-Signature: sha256=<hex HMAC-SHA256 of the body with the app's webhook secret>``.
A 2xx answer delivers it; anything else is retried after the next backoff step until
``webhook_max_attempts``. Rows live in the database, so pending calls survive restarts;
a row is claimed by bumping its attempt counter (compare-and-set), so several processes
never send the same attempt twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from mailcore.core.config import Settings
from mailcore.core.models import FolderRole, Member, WebhookDelivery
from mailcore.openapi.apps import webhook_apps
from mailcore.openapi.credentials import sign
from mailcore.openapi.newmail import unread_inbox_count

if TYPE_CHECKING:
    from mailcore.store.ingest import IngestRequest, IngestResult

log = logging.getLogger(__name__)

BATCH = 50
KEEP_DELIVERED = timedelta(days=7)
PURGE_EVERY = 3600.0
_worker: WebhookWorker | None = None


async def enqueue_new_mail(request: IngestRequest, result: IngestResult) -> None:
    """Queue webhook calls for the Inbox copies of a stored message. Never raises."""
    try:
        await _enqueue(request, result)
    except Exception:  # noqa: BLE001 - a webhook must never fail or block ingest
        log.exception("could not queue new-mail webhooks")


async def _enqueue(request: IngestRequest, result: IngestResult) -> None:
    if request.source == "import":
        return  # migrated old mail is not new mail
    inbox = [s for s in result.entries if s.role is FolderRole.INBOX]
    if not inbox:
        return
    hooked = await webhook_apps()
    if not hooked:
        return
    members = {
        m["id"]: m
        for m in await Member.filter(id__in=[s.member_id for s in inbox]).values(
            "id", "enterprise_id", "email"
        )
    }
    parsed, now = result.parsed, datetime.now(UTC)
    rows = []
    for stored in inbox:
        member = members.get(stored.member_id)
        app_ids = hooked.get(member["enterprise_id"], []) if member else []
        if not member or not app_ids:
            continue
        body = json.dumps(
            {
                "msgid": str(stored.entry_id),
                "userid": member["email"],
                "from": parsed.from_.address if parsed.from_ else "",
                "subject": parsed.subject,
                "time": int(now.timestamp()),
                "unread": await unread_inbox_count(stored.member_id),
            },
            ensure_ascii=False,
        )
        rows += [WebhookDelivery(app_id=a, body=body, next_attempt_at=now) for a in app_ids]
    if rows:
        await WebhookDelivery.bulk_create(rows)
        if _worker is not None:
            _worker.wake()


class WebhookWorker:
    """Sends due webhook deliveries in the background of one process."""

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
        """Send every due delivery (up to BATCH); return how many were due."""
        now = datetime.now(UTC)
        due = (
            await WebhookDelivery.filter(
                delivered_at=None, attempts__lt=self.max_attempts, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "id")
            .limit(BATCH)
            .select_related("app")
        )
        await asyncio.gather(*(self._attempt(row) for row in due))
        return len(due)

    async def _attempt(self, row: WebhookDelivery) -> None:
        lease = datetime.now(UTC) + timedelta(seconds=self.timeout + 30)
        claimed = await WebhookDelivery.filter(
            id=row.id, attempts=row.attempts, delivered_at=None
        ).update(attempts=row.attempts + 1, next_attempt_at=lease)
        if claimed != 1:
            return  # another process took this attempt
        attempts = row.attempts + 1
        app = row.app
        if not app.enabled or not app.webhook_url:
            await WebhookDelivery.filter(id=row.id).update(
                attempts=self.max_attempts, last_error="the app is disabled or has no webhook"
            )
            return
        error = await self._post(app.webhook_url, app.webhook_secret, row)
        now = datetime.now(UTC)
        if not error:
            await WebhookDelivery.filter(id=row.id).update(delivered_at=now, last_error="")
            return
        delay = self.backoff[min(attempts - 1, len(self.backoff) - 1)]
        log.info("webhook %s attempt %s failed: %s", row.id, attempts, error)
        await WebhookDelivery.filter(id=row.id).update(
            next_attempt_at=now + timedelta(seconds=delay), last_error=error[:1000]
        )

    async def _post(self, url: str, secret: str, row: WebhookDelivery) -> str:
        """'' when the receiver accepted the call, else what went wrong."""
        assert self._client is not None
        body = row.body.encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Qiyou-Webhook/1",
            "X-Qiyou-Delivery": str(row.id),
            "X-Qiyou-Signature": sign(secret, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return ""
        return f"HTTP {response.status_code}"

    async def _purge(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._purged < PURGE_EVERY:
            return
        self._purged = loop.time()
        cutoff = datetime.now(UTC) - KEEP_DELIVERED
        await WebhookDelivery.filter(delivered_at__lt=cutoff).delete()
        await WebhookDelivery.filter(
            delivered_at=None, attempts__gte=self.max_attempts, created_at__lt=cutoff
        ).delete()

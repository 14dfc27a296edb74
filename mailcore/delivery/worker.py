"""The delivery worker started in the app lifespan: scans the queue, groups due rows per
message and destination (one SMTP transaction with several RCPTs), respects the per-domain
and overall concurrency limits, and records every outcome. See docs/delivery.md.

Any number of processes run one on the same database: each claims the rows it delivers
(``queue.claim``), gives an attempt up before its lease ends (another process may then
take the rows), and the delivery reports are made by one process at a time (a lock).

A row with an ``smtp_account_id`` (send-as through an external server, docs/external-
accounts.md) goes to that account's SMTP server with its login, from the proved address,
whatever the relay setting; its retries, lifetime and bounce are those of any row."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from mailcore.core.blobs import BlobNotFound
from mailcore.core.locks import singleton
from mailcore.core.models import Message, OutboundMessage
from mailcore.delivery import queue
from mailcore.delivery.accounts import account_target
from mailcore.delivery.dsn_params import wants
from mailcore.delivery.notify import send_reports
from mailcore.delivery.relay import TlsMode, parse_relay
from mailcore.delivery.routes import RouteError, Target, mx_targets, relay_targets
from mailcore.delivery.signing import Signer
from mailcore.delivery.transport import ConnectionFailed, Reply, transact
from mailcore.dns import open_resolver
from mailcore.org.addresses import split_address
from mailcore.store.request import Dsn
from mailcore.store.services import Services

log = logging.getLogger(__name__)

NO_HOST_GRACE = 3600.0  # a domain with no mail host is retried this long (DNS glitches)
RELAY = "<relay>"
ACCOUNT = "<account>"  # + the id: an external account's SMTP server (send-as)
LEASE_MARGIN = 0.9  # an attempt is given up after this share of the lease


class OutboundWorker:
    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.resolver = open_resolver(self.settings)
        self.relay = parse_relay(self.settings.relay_url) if self.settings.relay_url else None
        self.signer = Signer()
        self._busy: dict[str, int] = defaultdict(int)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._inflight: set[int] = set()  # ids claimed by this process, not yet finished

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="qiyou-outbound")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        pending = list(self._inflight)
        if self._loop is not None:
            self._loop.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(
            *(t for t in [self._loop, *self._tasks] if t is not None), return_exceptions=True
        )
        # Outcomes are recorded as the remote servers answer: the rows still 'sending' had
        # none, so they are queued again now (after a crash, their lease expires instead).
        if pending:
            await queue.release(pending)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbound queue scan failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.outbound_poll)
            except TimeoutError:
                pass
            self._wake.clear()

    async def tick(self) -> None:
        settings = self.settings
        await queue.release_expired(settings.outbound_lease)
        async with singleton("delivery-reports") as held:
            if held:  # else another process is making them right now
                await send_reports(settings, self.runtime.ingestor)
        room = settings.outbound_workers - len(self._tasks)
        if room <= 0:
            return
        groups: dict[tuple, list[OutboundMessage]] = {}
        for row in await queue.due(room * 50):
            key = (
                row.message_id,
                row.envelope_from,
                row.dsn_ret,
                row.dsn_envid,
                self._destination(row),
            )
            groups.setdefault(key, []).append(row)
        for (*_, destination), rows in groups.items():
            if room <= 0:
                break
            if self._busy[destination] >= settings.outbound_concurrency:
                continue
            ids, stamp = await queue.claim([r.id for r in rows])
            claimed = set(ids)
            mine = [r for r in rows if r.id in claimed]
            if not mine:
                continue
            room -= 1
            self._inflight.update(claimed)
            self._busy[destination] += 1
            task = asyncio.create_task(self._deliver_logged(destination, mine, stamp))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _destination(self, row: OutboundMessage) -> str:
        if row.smtp_account_id is not None:
            return f"{ACCOUNT}{row.smtp_account_id}"
        return RELAY if self.relay is not None else split_address(row.recipient)[1]

    async def _deliver_logged(
        self, destination: str, rows: list[OutboundMessage], stamp: datetime
    ) -> None:
        try:
            # Past its lease another process may claim the rows again: give up before.
            async with asyncio.timeout(self.settings.outbound_lease * LEASE_MARGIN):
                await self._deliver(destination, rows, stamp)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            log.warning("delivery to %s outlived its lease", destination)
            await self._defer(rows, "451 4.4.7 the delivery attempt took too long", "", stamp)
        except BlobNotFound as exc:  # the blob store lags or lost it: retry, never bounce
            log.warning("delivery to %s waits for its mail: %s", destination, exc)
            s = self.settings
            reply = "451 4.3.0 the message is not in the blob store yet"
            await queue.deferred(rows, reply, "", s.outbound_backoff, math.inf, stamp)
        except Exception as exc:
            log.exception("delivery to %s failed", destination)
            await self._defer(rows, f"451 4.3.0 local error: {type(exc).__name__}", "", stamp)
        finally:
            self._inflight.difference_update(r.id for r in rows)
            self._busy[destination] -= 1
            if self._busy[destination] <= 0:
                self._busy.pop(destination, None)
            self._wake.set()  # a slot is free: look for more work at once

    async def _defer(
        self, rows: list[OutboundMessage], reply: str, host: str, stamp: datetime, **kw
    ) -> None:
        s = self.settings
        await queue.deferred(
            rows, reply, host, s.outbound_backoff, s.outbound_lifetime, stamp, **kw
        )

    async def _targets(self, destination: str) -> tuple[list[Target], str | None]:
        """Where to connect, and the envelope sender to use there (None: the row's)."""
        if destination.startswith(ACCOUNT):
            target, sender = await account_target(
                int(destination.removeprefix(ACCOUNT)), self.settings
            )
            return [target], sender
        return await self._mail_targets(destination), None

    async def _mail_targets(self, destination: str) -> list[Target]:
        if self.relay is not None:
            return relay_targets(self.relay)
        return await mx_targets(self.resolver, destination, self.settings.outbound_port)

    async def _deliver(
        self, destination: str, rows: list[OutboundMessage], stamp: datetime
    ) -> None:
        settings = self.settings
        try:
            targets, sender = await self._targets(destination)
        except RouteError as exc:
            if exc.permanent:
                await queue.failed([r.id for r in rows], exc.reply, "", stamp)
            else:
                grace = NO_HOST_GRACE if exc.no_host else None
                await self._defer(rows, exc.reply, "", stamp, fail_after=grace)
            return
        message = await Message.get(id=rows[0].message_id)
        raw = await self.runtime.blobs.get(message.sha256)
        first = rows[0]
        data = await self.signer.prepare(
            raw, message.from_address, first.envelope_from, first.sender_id
        )
        by_recipient = {r.recipient: r for r in rows}
        last = ConnectionFailed("421 4.4.2 no mail host could be reached")
        last_host = ""
        attempts = list(targets)
        while attempts:
            target = attempts.pop(0)

            async def record(
                replies: dict[str, Reply], passed_dsn: bool, host: str = target.host
            ) -> None:
                await self._record(by_recipient, replies, host, stamp, passed_dsn)

            try:
                await transact(
                    target,
                    local_hostname=settings.hostname,
                    sender=sender or rows[0].envelope_from,
                    recipients=list(by_recipient),
                    message=data,
                    timeout=settings.outbound_timeout,
                    on_replies=record,
                    dsn=_dsn(rows),
                )
                return
            except ConnectionFailed as exc:
                last, last_host = exc, target.host
                if exc.permanent:
                    break
                if exc.tls_failed and target.tls == TlsMode.OPPORTUNISTIC:
                    attempts.insert(0, replace(target, tls=TlsMode.PLAIN))  # as MTAs do
        if last.permanent:
            await queue.failed([r.id for r in rows], last.reply, last_host, stamp)
        else:
            await self._defer(rows, last.reply, last_host, stamp)

    async def _record(
        self,
        rows: dict[str, OutboundMessage],
        replies: dict[str, Reply],
        host: str,
        stamp: datetime,
        passed_dsn: bool = False,
    ) -> None:
        ok: dict[tuple[str, bool], list[int]] = defaultdict(list)
        bad: dict[str, list[int]] = defaultdict(list)
        later: dict[str, list[OutboundMessage]] = defaultdict(list)
        for recipient, row in rows.items():
            reply = replies.get(recipient, Reply(451, "4.4.0 no reply"))
            if reply.ok:
                # The next server took NOTIFY=SUCCESS and reports itself; else we say
                # "relayed" (RFC 3461 6.2.2).
                relayed = not passed_dsn and wants(row.dsn_notify, "SUCCESS")
                ok[(reply.line, relayed)].append(row.id)
            elif reply.permanent:
                bad[reply.line].append(row.id)
            else:
                later[reply.line].append(row)
        for (line, relayed), ids in ok.items():
            await queue.delivered(ids, line, host, stamp, relayed=relayed)
        for line, ids in bad.items():
            await queue.failed(ids, line, host, stamp)
        for line, deferred in later.items():
            await self._defer(deferred, line, host, stamp)


def _dsn(rows: list[OutboundMessage]) -> Dsn:
    """The DSN parameters of one transaction's rows (one message, one RET and ENVID)."""
    return Dsn(
        ret=rows[0].dsn_ret,
        envid=rows[0].dsn_envid,
        notify={r.recipient.lower(): r.dsn_notify for r in rows if r.dsn_notify},
        orcpt={r.recipient.lower(): r.dsn_orcpt for r in rows if r.dsn_orcpt},
    )

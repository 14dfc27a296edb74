"""The one wiring point: builds a process's services, registers what the store announces to,
and starts the parts its roles ask for.

``Runtime.create`` (no I/O) builds the blob store, the registry and the ingest path, and
registers the policies, the outbox job makers and handlers, and the live listeners; every
process registers them all, whatever its roles, so a mail stored anywhere commits the same
jobs. The runtime owns the event bus (``bus``) and, once started, the search indexer
(``indexer``); code below it gets them as arguments. ``start`` connects the bus and the cache
listener (caches a change empties are emptied in every process) and starts, by role:

- ``http``: the search backend, and with an index of the node's own (tantivy) the indexer
  following the search feed into it (the Starlette app in ``api/`` serves GraphQL over this
  runtime);
- ``mx`` / ``submission``: the SMTP listeners on port 25 / 587 (and 465-style);
- ``imap`` / ``pop3``: the mail-client listeners (STARTTLS and implicit TLS ports);
- ``worker``: the outbox worker, the search indexer (it takes the search jobs: into a shared
  index, or into the search feed every node's own index follows), outbound delivery,
  webhooks, mass mail, rule sends, external mailbox fetches, mail migrations and the policy
  jobs. Queue workers share their queues with the workers of other processes (claims under a
  lease); singleton jobs take a database lock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from mailcore import search
from mailcore.approval.worker import PolicyJobs
from mailcore.calendar import incoming as calendar_incoming
from mailcore.calendar import invitations as calendar_invitations
from mailcore.calendar import reminders as calendar_reminders
from mailcore.core.blobs import BlobStore, open_blob_store
from mailcore.core.blobs.gc import BlobCollector
from mailcore.core.caches import CacheListener
from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.mime import display
from mailcore.delivery.worker import OutboundWorker
from mailcore.dmarcreports import intake as dmarc_intake
from mailcore.fetch.worker import FetchWorker
from mailcore.mail.live import Live
from mailcore.migration.worker import MigrationWorker
from mailcore.netdisk.cleaner import UploadCleaner
from mailcore.openapi import webhooks
from mailcore.policy.massmail import MassMailWorker
from mailcore.policy.pipeline import policies
from mailcore.protocols.imap.server import start_imap
from mailcore.protocols.pop3.server import start_pop3
from mailcore.protocols.smtp.processes import MxProcesses
from mailcore.protocols.smtp.server import start_smtp
from mailcore.receipts import reading as receipts_reading
from mailcore.receipts import received as receipts_received
from mailcore.receipts import requests as receipts_requests
from mailcore.rules.sender import RuleSender
from mailcore.security.tickets import DownloadTickets
from mailcore.store.ingest import Ingestor
from mailcore.store.outbox import OutboxWorker
from mailcore.store.registry import Registry
from mailcore.store.remote import IngestServer, RemoteIngestor, socket_path
from mailcore.store.services import Services
from mailcore.store.wakeup import Announcer, WakeListener
from mailcore.wechat import subscribe as wechat

log = logging.getLogger(__name__)

ROLES = ("http", "mx", "submission", "imap", "pop3", "worker")
LISTENER_ROLES = frozenset({"mx", "submission", "imap", "pop3"})  # the mail protocols' ports


def parse_roles(text: str | Iterable[str]) -> frozenset[str]:
    """``"http,worker"`` → the roles; ``"all"`` or empty → every role. Unknown → ValueError."""
    names = text.split(",") if isinstance(text, str) else list(text)
    roles = {n.strip().lower() for n in names if n.strip()}
    if not roles or roles == {"all"}:
        return frozenset(ROLES)
    unknown = roles - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(sorted(unknown))}; known: {', '.join(ROLES)}")
    return frozenset(roles)


def register(registry: Registry, settings: Settings, blobs: BlobStore, bus: Bus) -> None:
    """Everything the store announces to, in one place."""
    registry.policies.extend(policies(settings, blobs))
    registry.policies.append(receipts_requests.record)  # remember mail asking for a receipt
    # Durable: outbox jobs committed with the mail or the change.
    registry.jobs.append(search.mail_jobs)  # search indexing (the indexer claims them)
    registry.change_jobs.append(search.change_jobs)
    registry.jobs.append(webhooks.new_mail_jobs)  # open API new-mail webhooks
    registry.handle(webhooks.NEW_MAIL, webhooks.enqueue_new_mail)
    registry.jobs.append(dmarc_intake.report_jobs)  # DMARC aggregate reports that arrive
    registry.handle(dmarc_intake.TOPIC, dmarc_intake.Recorder(blobs))
    registry.jobs.append(receipts_received.mdn_jobs)  # read receipts that come back
    registry.handle(receipts_received.TOPIC, receipts_received.Recorder(blobs))
    registry.jobs.append(calendar_incoming.imip_jobs)  # invitations from other mail systems
    registry.handle(calendar_incoming.TOPIC, calendar_incoming.Recorder(blobs))
    if wechat.template_id(settings):  # WeChat subscribe messages (mini-program)
        registry.jobs.append(wechat.new_mail_jobs)
        registry.handle(wechat.NEW_MAIL, wechat.Reminders(settings))
    # Live: after the commit, may be lost.
    live = Live(bus)
    registry.listeners.append(live.stored)  # push to the member's open sessions
    registry.change_listeners.append(live.changed)


@dataclass
class Runtime(Services):
    indexer: search.Indexer | None = None  # started by ``start`` (roles http, worker)
    roles: frozenset[str] = frozenset(ROLES)
    tickets: DownloadTickets = field(default_factory=DownloadTickets)  # signed download links
    _stops: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings, roles: Iterable[str] = ROLES) -> Runtime:
        blobs = open_blob_store(settings.blob_location)
        display.configure(
            settings.html_budget,
            settings.html_max_size,
            settings.html_cache_size,
            settings.html_workers,
        )
        bus = Bus(settings.broadcast_url, settings.channel_prefix)
        registry = Registry()
        register(registry, settings, blobs, bus)
        ingestor: Ingestor = (
            cast(Ingestor, RemoteIngestor(settings.ingest_socket))  # an MX process's
            if settings.ingest_socket
            else Ingestor(blobs, registry)
        )
        # Reminders and meeting mail go through the ingest path, which exists only now.
        registry.handle(
            calendar_reminders.TOPIC, calendar_reminders.Reminders(bus, ingestor, settings)
        )
        registry.handle(calendar_invitations.TOPIC, calendar_invitations.Mailer(ingestor))
        return cls(
            settings=settings,
            blobs=blobs,
            ingestor=ingestor,
            bus=bus,
            roles=frozenset(roles),
            tickets=DownloadTickets(settings.secret_key, settings.download_ticket_ttl),
        )

    async def start(self) -> None:
        """Connect the bus and start this process's roles (the database is open); when one
        cannot start (a port in use), what started before it is stopped again."""
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> None:
        settings = self.settings
        await self.bus.connect()
        self._stops.append(self.bus.disconnect)
        caches = await CacheListener(self.bus).start()  # forget what other processes changed
        self._stops.append(caches.stop)
        announcer = Announcer(self.bus)
        self.registry.wakers.append(announcer)  # wake the workers of other processes
        receipts = receipts_reading.AutoReceipts(self)  # sent as mail is marked read (RFC 8098)
        self.registry.change_listeners.append(receipts.changed)
        self._stops.append(receipts.stop)
        local: list[Callable[[], None]] = []  # this process's outbox workers
        # Searching needs the backend (HTTP). Workers take the search jobs of every process;
        # an index in this node's data dir (tantivy) follows the search feed they make, so
        # every node answers the same search (mailcore/search/indexer.py).
        if self.roles & {"http", "worker"}:
            indexer = await search.start(
                settings.search_url,
                settings.data_dir,
                self.blobs,
                feeding="worker" in self.roles,
                paused=settings.search_paused,
                announce=announcer,
            )
            self.indexer = indexer
            self.registry.wakers.append(indexer.notify)
            self.registry.listeners.append(search.reuse_parse)  # the indexer reuses ingest's parse

            async def stop_search() -> None:
                self.indexer = None
                await search.stop(indexer)

            self._stops.append(stop_search)
            if not indexer.paused:
                local.append(indexer.notify)
        if "worker" in self.roles:
            local.append(await self._start_workers())
        if local:  # other processes' commits and feed entries wake these at once
            listener = await WakeListener(self.bus, local).start()
            self._stops.append(listener.stop)
        mx, msa = "mx" in self.roles, "submission" in self.roles
        if mx and settings.ingest_socket:  # an MX process: its mail goes to its parent's ingest
            await self._follow_parent()
        elif mx and settings.mx_processes:  # the MX in processes of its own, not here
            await self._start_mx_processes()
            mx = False
        if mx or msa:
            servers = await start_smtp(
                self, mx_port=mx, submission_port=msa, shared=settings.mx_reuse_port
            )

            async def close_servers() -> None:
                for server in servers:
                    server.close()
                for server in servers:
                    await server.wait_closed()

            self._stops.append(close_servers)
        if "imap" in self.roles:  # IMAP and IMAPS (docs/imap.md)
            imap = await start_imap(self)
            self._stops.append(imap.close)
        if "pop3" in self.roles:  # POP3 and POP3S (docs/pop3.md)
            pop3 = await start_pop3(self)

            async def close_pop3() -> None:
                for server in pop3:
                    server.close()
                for server in pop3:
                    await server.wait_closed()

            self._stops.append(close_pop3)

    async def _start_mx_processes(self) -> None:
        """Start them. On SQLite (or without a shared bus) they hand their mail to this
        process's ingest: serve it, and wait until each is connected to it. On a database
        server with a shared bus they are peers that commit their own mail (as ``--roles
        mx`` nodes do), pushed and indexed through the bus."""
        settings = self.settings
        count = settings.mx_processes
        shared = not settings.db_url.startswith("sqlite") and not settings.broadcast_url.startswith(
            "memory"
        )
        if shared:
            processes = MxProcesses(count, None)
            await processes.start()
            self._stops.append(processes.stop)
            return
        server = IngestServer(self.ingestor.ingest, self.bus, socket_path(settings.data_dir))
        await server.start()
        self._stops.append(server.close)
        processes = MxProcesses(count, server.path)
        await processes.start()
        self._stops.append(processes.stop)
        await server.wait_for(count, timeout=60)

    async def _follow_parent(self) -> None:
        """Connect to the parent's ingest; end this process when it is gone."""
        remote = cast(RemoteIngestor, self.ingestor)
        await remote.connect()

        async def end_with_parent() -> None:
            await remote.lost.wait()
            log.warning("the parent process's ingest is gone; this MX process ends")
            os.kill(os.getpid(), signal.SIGTERM)

        watcher = asyncio.create_task(end_with_parent(), name="qiyou-mx-parent")

        async def stop_watching() -> None:
            watcher.cancel()

        self._stops.append(stop_watching)

    async def _start_workers(self) -> Callable[[], None]:
        """Start the workers; answer the outbox worker's wake-up."""
        settings = self.settings
        # Webhooks and reminders of committed mail.
        outbox = OutboxWorker(self.registry, lease=settings.outbox_lease)
        outbox.start()
        self._stops.append(outbox.stop)
        webhook_sender = webhooks.WebhookWorker(settings)  # signed POSTs, retried
        webhook_sender.start()
        self._stops.append(webhook_sender.stop)
        outbound = OutboundWorker(self)  # remote delivery of the outbound queue
        outbound.start()
        self._stops.append(outbound.stop)
        policy_jobs = PolicyJobs(self)
        policy_jobs.start()  # approval notices and timeouts, archive retention (A1, A3)
        self._stops.append(policy_jobs.stop)
        mass_mail = MassMailWorker(self.ingestor, self.blobs)  # mass mail (U12)
        await mass_mail.start()
        self._stops.append(mass_mail.stop)
        rule_sender = RuleSender(self)  # forwards and auto-replies of mail rules
        rule_sender.start()
        self._stops.append(rule_sender.stop)
        blob_gc = BlobCollector(  # unreferenced blobs to the trash, then away (docs/blobs.md)
            self.blobs,
            interval=settings.blob_gc_interval,
            grace=settings.blob_gc_grace,
            trash_grace=settings.blob_trash_grace,
        )
        blob_gc.start()
        self._stops.append(blob_gc.stop)
        uploads = UploadCleaner(settings.upload_clean_interval)  # abandoned tus uploads (U5)
        uploads.start()
        self._stops.append(uploads.stop)
        fetcher = FetchWorker(self.ingestor, settings)  # external mailboxes (U11)
        fetcher.start()
        self._stops.append(fetcher.stop)
        migration = MigrationWorker(self.ingestor, settings)  # mail migration (A5)
        migration.start()
        self._stops.append(migration.stop)
        return outbox.wake

    async def close(self) -> None:
        """Stop what ``start`` started, last first; then let the ingest path finish."""
        while self._stops:
            stop = self._stops.pop()
            try:
                await stop()
            except Exception:  # noqa: BLE001 - stop the rest anyway
                log.exception("stopping %r failed", stop)
        await self.ingestor.close()
        await self.blobs.close()


async def run_forever(runtime: Runtime) -> None:
    """Run a process without HTTP until it is told to stop (SIGINT/SIGTERM)."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    log.info("Qiyou ready: roles %s", ",".join(sorted(runtime.roles)))
    try:
        await stop.wait()
    finally:
        await runtime.close()

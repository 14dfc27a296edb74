"""Mail list latency on a 100,000-message mailbox (issue 18): the web app's list documents.

Starts a real ``qiyou serve`` (fresh data dir; ``--db postgres`` a fresh PostgreSQL
database). Before it starts, in one process: the database is migrated, the domain and one
member are made (``add_domain``, ``add_member``, as the CLI does), and the member's mailbox
is filled through the ORM
(``bulk_create`` with explicit ids, not SMTP; not measured): ``--messages`` messages in
threads of three, spread over Inbox (~78 %), Sent (10 %), Archive (10 %) and Trash, with
what list items can show: confidential mail, read receipt requests, spoofing marks, and on
sent mail external deliveries, recalls, mass mail jobs and read receipts.

The server runs with the search indexer paused (``QIYOU_SEARCH_PAUSED``): the bulk-loaded
mail has no blobs, and a mailbox in steady state has no backfill running. Then it signs in
as that member and times, one request at a time over HTTP, the web app's
own ``MESSAGES`` and ``CONVERSATIONS`` documents (read from web/src/api/mail.js) and the
mini-program's ``MESSAGES`` (miniprogram/lib/queries.js), 50 items a page: the first page
of Inbox, a page deep in it (cursor at the 50,000th message), Sent and Archive, and
conversations (all folders, Inbox, deep). Prints p50/p99 per case (and the fastest
request: on a busy machine the nearest to an idle core's figure), then the SQL statements
one request of each case takes, counted in process over the same database after the
server stopped (tortoise's ``tortoise.db_client`` log), then one line of JSON.
Targets: p50 < 15 ms and p99 < 40 ms.

    .venv/bin/python bench/inbox_page.py [--db sqlite|postgres] [--messages 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import logging
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    DOMAIN,
    PASSWORD,
    BenchServer,
    free_port,
    login_all,
    machine,
    member_email,
    print_json,
    summary_ms,
    wait_until_quiet,
)

ROOT = Path(__file__).resolve().parents[1]
PAGE = 50
TARGET_P50_MS, TARGET_P99_MS = 15.0, 40.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=200, help="requests per case")
    p.add_argument("--profile", default="", help="py-spy the server into this file")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir")
    p.add_argument(
        "--no-wait-quiet",
        dest="wait_quiet",
        action="store_false",
        help="do not wait for other load on the machine to stop first",
    )
    return p.parse_args(argv)


def js_documents(path: Path) -> dict[str, str]:
    """The string constants of a client's JS module, ``${NAME}`` filled in."""
    found: dict[str, str] = {}
    for name, _quote, body in re.findall(r"(\w+)\s*[:=]\s*([`'])(.*?)\2", path.read_text(), re.S):
        found[name] = re.sub(r"\$\{(\w+)\}", lambda m: found[m.group(1)], body)
    return found


# --- the mailbox (in-process, before the server starts) -------------------------------------


async def _fill(env: dict[str, str], count: int) -> dict[str, Any]:
    """Fill member 0's mailbox with ``count`` messages; returns cursors for deep pages."""
    from datetime import UTC, datetime, timedelta

    from tortoise import connections

    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db
    from mailcore.core.models import (
        ConfidentialMessage,
        CopyStatus,
        Folder,
        FolderRole,
        MailboxEntry,
        MassMailJob,
        MassMailRecipient,
        MassMailStatus,
        Member,
        Message,
        OutboundMessage,
        OutboundStatus,
        ReadReceipt,
        Recall,
        ReceiptRequest,
        SpoofMark,
        Thread,
    )
    from mailcore.mail.mailbox import encode_cursor
    from mailcore.org.service import add_domain, add_member

    await open_db(Settings.from_env(env))  # migrates the new database
    try:
        await add_domain(DOMAIN)  # what `qiyou domain add` and `qiyou user add` do
        me = await add_member(member_email(0), PASSWORD, name="成员 0 Member", vip=True, quota=0)
        folders = {f.role: f.id for f in await Folder.filter(member_id=me.id)}
        others = [member_email(i) for i in range(1, 20)]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        base = (await Message.all().order_by("-id").first().values_list("id", flat=True)) or 0
        tbase = (await Thread.all().order_by("-id").first().values_list("id", flat=True)) or 0
        ebase = (await MailboxEntry.all().order_by("-id").first().values_list("id", flat=True)) or 0
        uid = {f: 0 for f in folders.values()}
        chunk = 5000
        for first in range(0, count, chunk):
            messages, threads, entries = [], [], []
            extras: list[Any] = []
            for i in range(first, min(first + chunk, count)):
                when = start + timedelta(seconds=30 * i)
                role = (
                    FolderRole.SENT
                    if i % 10 == 0
                    else FolderRole.ARCHIVE
                    if i % 10 == 1
                    else FolderRole.TRASH
                    if i % 50 == 2
                    else FolderRole.INBOX
                )
                sent = role is FolderRole.SENT
                sender = member_email(0) if sent else others[i % len(others)]
                pk, tid, eid = base + i + 1, tbase + i // 3 + 1, ebase + i + 1
                messages.append(
                    Message(
                        id=pk,
                        sha256=f"bench-{pk:064d}"[-64:],
                        size=4000 + i % 3000,
                        message_id=f"bench-{pk}@bench.example",
                        subject=f"第 {i // 3} 号会话 conversation {i // 3}",
                        from_name=f"成员 {i % 20}",
                        from_address=sender,
                        to_json=[["", others[(i + 1) % len(others)] if sent else member_email(0)]],
                        date=when,
                        has_attachments=i % 9 == 0,
                        preview=f"预览 preview of message {i}: " + "内容 text " * 12,
                    )
                )
                if i % 3 == 0:
                    threads.append(
                        Thread(
                            id=tid,
                            member_id=me.id,
                            subject_key=f"conversation {i // 3}",
                            subject=f"第 {i // 3} 号会话 conversation {i // 3}",
                            last_date=when + timedelta(seconds=60),
                        )
                    )
                folder = folders[role]
                uid[folder] += 1
                entries.append(
                    MailboxEntry(
                        id=eid,
                        member_id=me.id,
                        message_id=pk,
                        folder_id=folder,
                        thread_id=tid,
                        seen=sent or i % 10 < 7,
                        flagged=i % 41 == 0,
                        size=4000 + i % 3000,
                        received_at=when,
                        uid=uid[folder],
                        modseq=i + 1,
                    )
                )
                if not sent and i % 97 == 3:
                    extras.append(
                        ConfidentialMessage(
                            message_id=pk, sender_id=None, enterprise_id=me.enterprise_id
                        )
                    )
                if not sent and i % 13 == 4:
                    extras.append(
                        ReceiptRequest(message_id=pk, notify_to=[sender], return_path=sender)
                    )
                if not sent and i % 101 == 5:
                    extras.append(SpoofMark(message_id=pk, domain="bench.example"))
                if sent:
                    extras.append(
                        OutboundMessage(
                            message_id=pk,
                            sender_id=me.id,
                            envelope_from=member_email(0),
                            recipient=f"partner{i % 7}@partner.example",
                            status=OutboundStatus.SENT,
                            attempts=1,
                            next_attempt_at=when,
                            delivered_at=when,
                        )
                    )
                    if i % 70 == 0:
                        extras.append(
                            Recall(
                                enterprise_id=me.enterprise_id,
                                requested_by_id=me.id,
                                message_pk=pk,
                                sent_entry_id=eid,
                                message_id=f"bench-{pk}@bench.example",
                                subject="recalled",
                                results=[{"address": others[0], "status": "recalled"}],
                            )
                        )
                    if i % 50 == 0:
                        extras.append(
                            ReadReceipt(
                                member_id=me.id,
                                message_id=pk,
                                recipient=others[(i + 1) % len(others)],
                                disposition="displayed",
                                reported_at=when,
                            )
                        )
            await Message.bulk_create(messages, batch_size=1000)
            await Thread.bulk_create(threads, batch_size=1000)
            await MailboxEntry.bulk_create(entries, batch_size=1000)
            by_model: dict[type, list[Any]] = {}
            for row in extras:
                by_model.setdefault(type(row), []).append(row)
            for model, rows in by_model.items():
                await model.bulk_create(rows, batch_size=1000)
        sent_entries = await MailboxEntry.filter(
            member_id=me.id, folder_id=folders[FolderRole.SENT]
        ).values_list("id", flat=True)
        for n, entry_id in enumerate(sent_entries[::110]):  # mass mail from some sent mail
            job = await MassMailJob.create(
                member_id=me.id, sent_entry_id=entry_id, total=3, status=MassMailStatus.DONE
            )
            statuses = [CopyStatus.DELIVERED, CopyStatus.QUEUED, CopyStatus.FAILED]
            await MassMailRecipient.bulk_create(
                [
                    MassMailRecipient(job_id=job.id, address=f"mm{n}-{k}@partner.example", status=s)
                    for k, s in enumerate(statuses)
                ]
            )
        for folder, last in uid.items():
            await Folder.filter(id=folder).update(uid_next=last + 1)
        await Member.filter(id=me.id).update(modseq=count + 1)
        conn = connections.get("default")
        if conn.capabilities.dialect == "postgres":
            for table in ("message", "thread", "mailbox_entry"):
                await conn.execute_script(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            await conn.execute_script("ANALYZE")  # as autovacuum would after a bulk load
        deep = (
            await MailboxEntry.filter(member_id=me.id, folder_id=folders[FolderRole.INBOX])
            .order_by("-received_at", "-id")
            .offset(count // 2)
            .first()
        )
        deep_thread = (
            await Thread.filter(member_id=me.id)
            .order_by("-last_date", "-id")
            .offset(count // 6)
            .first()
        )
        return {
            "inbox_deep": encode_cursor(deep.received_at, deep.id),
            "threads_deep": encode_cursor(deep_thread.last_date, deep_thread.id),
        }
    finally:
        await close_db()


def fill(server: BenchServer, count: int) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    env = server.env()
    code = (
        "import asyncio, json, sys; sys.path.insert(0, 'bench');"
        "from inbox_page import _fill;"
        f"print(json.dumps(asyncio.run(_fill(json.loads(sys.argv[1]), {count}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(env)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=1800,
        capture_output=True,
        text=True,
    )
    return time.monotonic() - started, json.loads(out.stdout.strip().splitlines()[-1])


# --- the measured requests -----------------------------------------------------------------


def cases(cursors: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    web = js_documents(ROOT / "web/src/api/mail.js")
    mini = js_documents(ROOT / "miniprogram/lib/queries.js")
    return {
        "messages Inbox, first page": (web["MESSAGES"], {"f": "INBOX", "n": PAGE}),
        "messages Inbox, deep page": (
            web["MESSAGES"],
            {"f": "INBOX", "n": PAGE, "a": cursors["inbox_deep"]},
        ),
        "messages Sent": (web["MESSAGES"], {"f": "SENT", "n": PAGE}),
        "messages Archive": (web["MESSAGES"], {"f": "ARCHIVE", "n": PAGE}),
        "conversations, all": (web["CONVERSATIONS"], {"f": None, "n": PAGE}),
        "conversations, Inbox": (web["CONVERSATIONS"], {"f": "INBOX", "n": PAGE}),
        "conversations, deep page": (
            web["CONVERSATIONS"],
            {"f": None, "n": PAGE, "a": cursors["threads_deep"]},
        ),
        "mini-program messages Inbox": (mini["MESSAGES"], {"folder": "INBOX", "first": PAGE}),
    }


async def post(http: httpx.AsyncClient, url: str, query: str, variables: dict) -> dict:
    response = await http.post(url, json={"query": query, "variables": variables})
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    connection = next(iter(body["data"].values()))
    if len(connection["edges"]) != PAGE:
        raise RuntimeError(f"a page of {len(connection['edges'])} items, not {PAGE}")
    return body["data"]


async def measure(url: str, token: str, todo: dict, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        for name, (query, variables) in todo.items():
            for _ in range(5):  # warm up: caches, prepared statements, the page cache
                await post(http, url, query, variables)
            samples = []
            for _ in range(rounds):
                started = time.perf_counter()
                await post(http, url, query, variables)
                samples.append(time.perf_counter() - started)
            results[name] = {
                **summary_ms(samples, (50, 99)),
                "min_ms": round(min(samples) * 1000, 1),
            }
            print(f"  {name}: {results[name]}", flush=True)
    return results


_counting: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "counting", default=None
)


class _Counter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        found = _counting.get()
        if found is not None:
            found.append(record.getMessage())


async def _count(env: dict[str, str], token: str, todo: dict) -> dict[str, int]:
    """Statements per request of each case, in process (the app over the same database)."""
    from api.app import create_app
    from mailcore.core.config import Settings

    app = create_app(Settings.from_env(env), with_smtp=False)
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(_Counter())
    logger.setLevel(logging.DEBUG)
    counts = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as http:
            for name, (query, variables) in todo.items():
                found: list[str] = []
                reset = _counting.set(found)
                try:
                    await post(http, "/graphql", query, variables)
                finally:
                    _counting.reset(reset)
                counts[name] = len(found)
    return counts


def start(server: BenchServer, tries: int = 3) -> None:
    """Start the server on ports picked now (the fill took minutes: a port picked before
    may be taken by then on a shared machine), again on new ones if one was taken."""
    for attempt in range(tries):
        for name in [n for n in vars(server) if n.endswith("_port")]:
            setattr(server, name, free_port())
        try:
            server.start()
            return
        except RuntimeError as exc:
            if "in use" not in str(exc) or attempt == tries - 1:
                raise
            server.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The search indexer paused: a steady-state mailbox is indexed already, while this bulk
    # load would start a backfill of 100,000 messages (whose blobs it does not write).
    server = BenchServer(db=args.db, keep=args.keep, extra_env={"QIYOU_SEARCH_PAUSED": "1"})
    try:
        server.create_database()
        seconds, cursors = fill(server, args.messages)
        print(f"{args.messages} messages stored in {seconds:.0f} s", flush=True)
        start(server)
        email = member_email(0)
        token = asyncio.run(login_all(server.graphql_url, [email]))[email]
        todo = cases(cursors)
        load = wait_until_quiet() if args.wait_quiet else None
        spy = server.start_profiler(args.profile) if args.profile else None
        print(f"mail list, {args.db}, {args.messages} messages, {PAGE} a page:")
        try:
            results = asyncio.run(measure(server.graphql_url, token, todo, args.rounds))
        finally:
            server.stop_profiler(spy)
        server.stop()
        counts = asyncio.run(_count(server.env(), token, todo))
        problems, first = server.log_problems()
    finally:
        server.close()
    print("SQL statements per request:")
    for name, n in counts.items():
        print(f"  {name}: {n}")
    met = all(r["p50_ms"] < TARGET_P50_MS and r["p99_ms"] < TARGET_P99_MS for r in results.values())
    print(
        f"target p50 < {TARGET_P50_MS} ms, p99 < {TARGET_P99_MS} ms: {'met' if met else 'MISSED'}"
    )
    if problems:
        print(f"server log: {problems} errors", *first, sep="\n  ")
    print_json(
        {
            "bench": "inbox_page",
            "db": args.db,
            "messages": args.messages,
            "results": results,
            "statements": counts,
            "target_met": met,
            "other_load_cores": load,
            "machine": machine(),
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Outbound delivery throughput (U15) to a local sink MX with 20 destination domains.

A real ``qiyou serve`` (own temp data dir; ``--db postgres`` for its own database) resolves
through a loopback DNS server (``tests/e2e/dnsserver.py``) where ``d0.bench.test`` …
``d19.bench.test`` have MX records pointing at 127.0.0.1, and delivers to an aiosmtpd sink
(``tests/e2e/smtpsink.py``, STARTTLS offered, so every transaction is TLS) on
``QIYOU_OUTBOUND_PORT``. One member submits ``--count`` mails over ``--concurrency``
authenticated submission sessions, each to ``--rcpts`` recipients of one domain (round
robin over the 20 domains); every mail is DKIM-signed at delivery time.

Measured: submission rate; delivered messages/s from the first submission until the sink
has every message (end to end), or with ``--queue-first`` from the moment the sink MX comes
up (everything was queued and deferred while it was down) until it has every message: the
delivery throughput alone.
Prints a summary, then one line of JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib
from benchlib import PASSWORD, ROOT, BenchServer, exit_on_sigterm, print_json

sys.path.insert(0, str(ROOT))
from tests.e2e.dnsserver import DnsServer  # noqa: E402
from tests.e2e.smtpsink import Sink  # noqa: E402

DOMAINS = [f"d{i}.bench.test" for i in range(20)]
SENDER = "sender@bench.example"


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _mail(i: int, rcpts: list[str]) -> bytes:
    return (
        f"From: Sender <{SENDER}>\r\nTo: {', '.join(rcpts)}\r\nSubject: bench {i}\r\n"
        f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench-{i}@bench.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + ("Quarterly figures attached in the body. 季度报告。\r\n" * 80)
    ).encode()


async def _submit(port: int, jobs: list[tuple[int, list[str]]]) -> None:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=True, tls_context=_tls())
    await smtp.connect()
    await smtp.login(SENDER, PASSWORD)
    for i, rcpts in jobs:
        await smtp.sendmail(SENDER, rcpts, _mail(i, rcpts))
    await smtp.quit()


async def run(args: argparse.Namespace) -> dict:
    dns = DnsServer().start()
    for domain in DOMAINS:
        dns.set(domain, "MX", [f"10 mx.{domain}."])
        dns.set(f"mx.{domain}", "A", ["127.0.0.1"])
    sink = Sink(Path(tempfile.mkdtemp(prefix="qiyou-sink-")))
    if not args.queue_first:
        sink.start()
    server = BenchServer(
        db=args.db,
        broadcast="redis" if args.db == "postgres" else "memory",
        extra_env={
            "QIYOU_DNS_SERVERS": dns.address,
            "QIYOU_OUTBOUND_PORT": str(sink.port),
            "QIYOU_OUTBOUND_POLL": "0.2",
            "QIYOU_OUTBOUND_CONCURRENCY": str(args.per_domain),
            "QIYOU_OUTBOUND_BACKOFF": "1",
            "QIYOU_HOSTNAME": "mail.bench.example",
        },
    )
    try:
        server.create_database()
        server.cli("domain", "add", "bench.example")
        server.cli("user", "add", SENDER, "--password", PASSWORD, "--quota", "20G")
        server.start()
        jobs = [
            (i, [f"u{i}-{n}@{DOMAINS[i % len(DOMAINS)]}" for n in range(args.rcpts)])
            for i in range(args.count)
        ]
        started = time.monotonic()
        await asyncio.gather(
            *(
                _submit(server.submission_port, jobs[k :: args.concurrency])
                for k in range(args.concurrency)
            )
        )
        submitted = time.monotonic() - started
        if args.queue_first:  # the MX was down while mail was queued: now measure delivery
            await asyncio.sleep(2)
            sink.start()
            started = time.monotonic()
        deadline = started + args.timeout
        while len(sink.messages) < args.count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        done = time.monotonic() - started
        got = len(sink.messages)
        figures = {
            "count": args.count,
            "recipients_per_message": args.rcpts,
            "domains": len(DOMAINS),
            "db": args.db,
            "delivered": got,
            "submit_seconds": round(submitted, 2),
            "submit_per_second": round(args.count / submitted, 1),
            "queue_first": args.queue_first,
            "delivery_seconds": round(done, 2),
            "delivered_messages_per_second": round(got / done, 1),
            "tls_transactions": sum(1 for m in sink.messages if m.tls),
        }
    finally:
        server.close()
        sink.stop()
        dns.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rcpts", type=int, default=1, help="recipients per message")
    parser.add_argument("--concurrency", type=int, default=10, help="submission sessions")
    parser.add_argument("--per-domain", type=int, default=5, help="QIYOU_OUTBOUND_CONCURRENCY")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--queue-first",
        action="store_true",
        help="queue everything while the sink is down, then time delivery alone",
    )
    args = parser.parse_args()
    exit_on_sigterm()
    figures = asyncio.run(run(args))
    print(
        f"{figures['delivered']}/{figures['count']} messages to {figures['domains']} domains "
        f"({figures['db']}): submitted in {figures['submit_seconds']} s "
        f"({figures['submit_per_second']}/s), all delivered after "
        f"{figures['delivery_seconds']} s = {figures['delivered_messages_per_second']} "
        f"messages/s ({'after the MX came up' if figures['queue_first'] else 'end to end'}); "
        f"{figures['tls_transactions']} TLS transactions"
    )
    print_json(figures)


if __name__ == "__main__":
    main()

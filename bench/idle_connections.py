"""Idle-connection flood on the MX while a normal client sends mail (issue 13, finding 5).

Starts its own ``qiyou serve`` (SQLite, default connection limits, the descriptor limit
this process has: 20,000 here as in the finding), provisions one member, then:

* the flood: ``--flood`` slots, each holding one idle TCP connection to the MX from one of
  many loopback source addresses (``--per-address`` connections each, 127.0.1.1,
  127.0.1.2, ...): connect, read the first line, wait silently until the server closes,
  reconnect (after a refusal, after ``--backoff`` seconds), until the mails are sent;
* once every slot has tried once, a normal client on 127.0.0.1 sends ``--mails`` mails
  with aiosmtplib, one connection per mail as an MTA does; a connection refused with 421
  is retried after ``--retry`` seconds (an MTA retries later);
* ``/health`` is asked every 0.2 s over a fresh connection throughout.

Prints the mails accepted, p50/p99 per mail (connect to 250, retries included), the
``/health`` latency during the flood, how the flood's connections were answered (greeted,
421 per address, 421 in all, closed idle to make room, timeout, closed without a word,
connect errors), the server's peak descriptor count, then one line of JSON.
Everything is on loopback, bounded by ``--max-seconds``, and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    BenchServer,
    exit_on_sigterm,
    fmt_ms,
    machine,
    make_mail,
    member_email,
    print_json,
    summary_ms,
)


def raise_own_nofile(wanted: int) -> int:
    """Raise this process's descriptor limit (the hard one too, as root); the soft now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (wanted, hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, max(target, hard)))
            return target
        except (ValueError, OSError):
            continue
    return soft


def source_address(slot: int, per_address: int) -> str:
    n = slot // per_address
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


def outcome(first: bytes) -> str:
    if first.startswith(b"220"):
        return "greeted"
    if b"from your address" in first:
        return "421 per address"
    if b"try again later" in first:
        return "421 in all"
    return "closed without a word" if not first else f"other: {first[:40]!r}"


def close_reason(line: bytes) -> str:
    if b"closing this idle one" in line:
        return "closed idle to make room (421)"
    if b"Timeout" in line:
        return "timeout (421)"
    return "closed without a word" if not line else f"other: {line[:40]!r}"


async def flood_slot(
    slot: int, args: argparse.Namespace, stop: asyncio.Event, stats: dict[str, Any]
) -> None:
    source = source_address(slot, args.per_address)
    first_try = True
    while not stop.is_set():
        writer = None
        try:
            async with stats["connecting"]:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", args.port, local_addr=(source, 0)), 30
                )
                first = await asyncio.wait_for(reader.readline(), 30)
            result = outcome(first)
            stats["answers"][result] += 1
            if first_try:
                first_try = False
                stats["tried"] += 1
                if stats["tried"] == args.flood:
                    stats["all_tried"].set()
            if result == "greeted":
                stats["held"] += 1
                stats["peak_held"] = max(stats["peak_held"], stats["held"])
                closing = asyncio.ensure_future(reader.readline())
                done, _ = await asyncio.wait(
                    [closing, asyncio.ensure_future(stop.wait())],
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stats["held"] -= 1
                if closing in done:
                    stats["closes"][close_reason(closing.result())] += 1
                else:
                    closing.cancel()
                    return
            else:
                await asyncio.sleep(args.backoff)
        except (OSError, TimeoutError) as exc:
            stats["answers"][f"connect error {type(exc).__name__}"] += 1
            if first_try:
                first_try = False
                stats["tried"] += 1
                if stats["tried"] == args.flood:
                    stats["all_tried"].set()
            await asyncio.sleep(args.backoff)
        finally:
            if writer is not None:
                writer.close()


async def normal_client(args: argparse.Namespace, stats: dict[str, Any]) -> list[float]:
    to = member_email(0)
    latencies: list[float] = []
    for i in range(args.mails):
        mail = make_mail(i, to, f"normal {i}", 2000)
        started = time.monotonic()
        for _attempt in range(args.tries):
            try:
                smtp = aiosmtplib.SMTP(
                    hostname="127.0.0.1", port=args.port, timeout=30, start_tls=False
                )
                await smtp.connect()
                try:
                    await smtp.sendmail("sender@remote.test", [to], mail)
                finally:
                    await smtp.quit()
            except aiosmtplib.SMTPConnectResponseError as exc:
                stats["client_refused"][f"{exc.code} {exc.message[:60]}"] += 1
                await asyncio.sleep(args.retry)
                continue
            except (aiosmtplib.SMTPException, OSError) as exc:
                stats["client_errors"][f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                await asyncio.sleep(args.retry)
                continue
            latencies.append(time.monotonic() - started)
            break
    return latencies


async def health_sampler(url: str, stop: asyncio.Event, samples: list[float], fails: list[str]):
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            started = time.monotonic()
            try:
                response = await client.get(url, headers={"Connection": "close"})
                if response.status_code == 200:
                    samples.append(time.monotonic() - started)
                else:
                    fails.append(str(response.status_code))
            except httpx.HTTPError as exc:
                fails.append(type(exc).__name__)
            await asyncio.sleep(0.2)


def descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


async def run(args: argparse.Namespace, server: BenchServer) -> dict[str, Any]:
    stop = asyncio.Event()
    stats: dict[str, Any] = {
        "answers": collections.Counter(),
        "closes": collections.Counter(),
        "client_refused": collections.Counter(),
        "client_errors": collections.Counter(),
        "tried": 0,
        "held": 0,
        "peak_held": 0,
        "all_tried": asyncio.Event(),
        "connecting": asyncio.Semaphore(args.connect_parallel),
    }
    health: list[float] = []
    health_fails: list[str] = []
    assert server.process is not None
    peak_fds = 0

    async def watch_fds() -> None:
        nonlocal peak_fds
        while not stop.is_set():
            peak_fds = max(peak_fds, descriptors(server.process.pid))
            await asyncio.sleep(0.5)

    url = f"http://127.0.0.1:{server.http_port}/health"
    tasks = [asyncio.ensure_future(flood_slot(s, args, stop, stats)) for s in range(args.flood)]
    tasks.append(asyncio.ensure_future(health_sampler(url, stop, health, health_fails)))
    tasks.append(asyncio.ensure_future(watch_fds()))
    flood_started = time.monotonic()
    await asyncio.wait_for(stats["all_tried"].wait(), args.max_seconds)
    flood_seconds = time.monotonic() - flood_started
    held_at_start = stats["held"]
    print(f"flood: every slot tried once in {flood_seconds:.1f} s, {held_at_start} held")
    sending_started = time.monotonic()
    latencies = await asyncio.wait_for(normal_client(args, stats), args.max_seconds)
    sending_seconds = time.monotonic() - sending_started
    stop.set()
    await asyncio.wait(tasks, timeout=30)
    return {
        "flood_slots": args.flood,
        "flood_addresses": -(-args.flood // args.per_address),
        "flood_seconds_to_try_all": round(flood_seconds, 1),
        "flood_held_when_mail_started": held_at_start,
        "flood_peak_held": stats["peak_held"],
        "flood_answers": dict(stats["answers"]),
        "flood_closes": dict(stats["closes"]),
        "mails": args.mails,
        "mails_accepted": len(latencies),
        "sending_seconds": round(sending_seconds, 1),
        "per_mail_ms": summary_ms(latencies),
        "client_refused": dict(stats["client_refused"]),
        "client_errors": dict(stats["client_errors"]),
        "health_ms": summary_ms(health),
        "health_samples": len(health),
        "health_failures": collections.Counter(health_fails),
        "server_peak_fds": peak_fds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flood", type=int, default=20000)
    parser.add_argument("--per-address", type=int, default=50, help="flood connections per IP")
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--backoff", type=float, default=1.0)
    parser.add_argument("--retry", type=float, default=1.0)
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--connect-parallel", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    exit_on_sigterm()
    server = BenchServer(keep=args.keep)
    try:
        server.provision(1)
        server.start()  # before this process raises its limit: the server keeps the finding's
        args.port = server.smtp_port
        soft = raise_own_nofile(args.flood + 2000)
        if soft < args.flood + 500:
            args.flood = soft - 500
            print(f"only {soft} descriptors here: flood lowered to {args.flood}")
        server_limit = Path(f"/proc/{server.process.pid}/limits").read_text()
        nofile = next(line for line in server_limit.splitlines() if "open files" in line)
        print(f"server: {' '.join(nofile.split())}")
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
        figures = asyncio.run(run(args, server))
        errors, first = server.log_problems()
        figures["server_errors"] = errors
        figures["machine"] = machine()
    finally:
        server.close()
    print(f"mails accepted: {figures['mails_accepted']} / {figures['mails']}")
    per_mail = figures["per_mail_ms"]
    print(f"per mail: p50 {fmt_ms(per_mail.get('p50_ms'))}  p99 {fmt_ms(per_mail.get('p99_ms'))}")
    health = figures["health_ms"]
    print(
        f"/health during the flood: p50 {fmt_ms(health.get('p50_ms'))}  "
        f"p99 {fmt_ms(health.get('p99_ms'))}  ({figures['health_samples']} samples, "
        f"failures {dict(figures['health_failures'])})"
    )
    print(f"flood answers: {figures['flood_answers']}")
    print(f"flood closes: {figures['flood_closes']}")
    print(f"normal client refused: {figures['client_refused']} errors {figures['client_errors']}")
    print(f"server peak descriptors: {figures['server_peak_fds']}, ERROR lines: {errors}")
    for line in first:
        print(f"  {line}")
    figures["health_failures"] = dict(figures["health_failures"])
    print_json(figures)


if __name__ == "__main__":
    main()

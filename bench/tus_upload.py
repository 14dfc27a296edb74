"""One large tus upload over loopback into the netdisk, then its download (docs/netdisk.md).

Starts its own ``qiyou serve`` (fresh temp data dir, local blobs; ``--db postgres`` a fresh
database), provisions one member with the real CLI, signs in, and uploads ``--size`` bytes
through ``/uploads/`` as a tus client does: POST (creation), then PATCH bodies of
``--patch`` bytes (default: the whole file in one body, as tuspy and tus-js-client send by
default), streamed from a generator so the client holds one chunk at a time. Every 1 MiB of
the content is distinct (a counter in front of random bytes) so the content-addressed store
cannot deduplicate parts. Then it downloads the file, streaming, and compares SHA-256.

Measured: MB/s of the upload (POST to the last PATCH answered) and of the download; the
server's resident memory sampled every 20 ms from /proc/<pid>/status during the upload
(peak above the idle RSS before it), and VmHWM; the server's CPU seconds. Targets (issue
20): ≥ 200 MB/s to local blobs, < 150 MB above idle. Prints a summary, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    BenchServer,
    code_state,
    exit_on_sigterm,
    login_all,
    machine,
    member_email,
    print_json,
    wait_until_quiet,
)

MIB = 1024 * 1024
MB = 1_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="2G", help="bytes to upload (K/M/G suffixes: binary)")
    p.add_argument("--patch", default="0", help="bytes per PATCH body (0: all in one)")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--no-download", dest="download", action="store_false")
    p.add_argument("--quiet-wait", type=float, default=120, help="wait for a quiet machine (s)")
    p.add_argument("--no-wait-quiet", dest="wait_quiet", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    return p.parse_args(argv)


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": MIB, "G": 1024 * MIB}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def memory_kib(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


class RssSampler(threading.Thread):
    """The highest VmRSS of ``pid`` seen while running (every 20 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, memory_kib(self.pid)["VmRSS"])
            time.sleep(0.02)


class Content:
    """``size`` bytes made of distinct 1 MiB chunks, and their SHA-256 as they are sent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.base = os.urandom(MIB)
        self.digest = hashlib.sha256()

    def chunk(self, index: int, length: int) -> bytes:
        data = index.to_bytes(8, "big") + self.base[8:]
        return data[:length]

    async def body(self, start: int, end: int):
        """The bytes ``start`` to ``end`` (both on 1 MiB boundaries but the last)."""
        position = start
        while position < end:
            length = min(MIB, end - position)
            data = self.chunk(position // MIB, length)
            self.digest.update(data)
            position += length
            yield data


async def upload(url: str, token: str, content: Content, patch: int) -> str:
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    name = base64.b64encode(b"bench.bin").decode()
    async with httpx.AsyncClient(timeout=600) as http:
        created = await http.post(
            f"{url}/uploads/",
            headers={
                **auth,
                "Upload-Length": str(content.size),
                "Upload-Metadata": f"filename {name}",
            },
        )
        created.raise_for_status()
        location = created.headers["location"]
        offset = 0
        while offset < content.size:
            end = min(content.size, offset + (patch or content.size))
            answer = await http.patch(
                location,
                content=content.body(offset, end),
                headers={
                    **auth,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(end - offset),
                },
            )
            if answer.status_code != 204:
                raise RuntimeError(f"PATCH at {offset}: {answer.status_code} {answer.text}")
            offset = int(answer.headers["upload-offset"])
    return location.rsplit("/", 1)[-1]


async def download(url: str, token: str, file_id: int) -> tuple[str, int, float]:
    digest = hashlib.sha256()
    size = 0
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=600) as http:
        async with http.stream(
            "GET", f"{url}/netdisk/files/{file_id}", headers={"Authorization": f"Bearer {token}"}
        ) as answer:
            answer.raise_for_status()
            async for chunk in answer.aiter_raw():
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size, time.monotonic() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    size, patch = parse_size(args.size), parse_size(args.patch)
    server = BenchServer(db=args.db, keep=args.keep)
    try:
        server.create_database()
        server.provision(1)
        server.start()
        url = f"http://127.0.0.1:{server.http_port}"
        email = member_email(0)
        token = asyncio.run(login_all(server.graphql_url, [email]))[email]
        if args.wait_quiet:
            wait_until_quiet(max_wait=args.quiet_wait)
        assert server.process is not None
        pid = server.process.pid
        idle = memory_kib(pid)
        cpu_before = server.cpu()
        sampler = RssSampler(pid)
        sampler.start()
        content = Content(size)
        started = time.monotonic()
        upload_id = asyncio.run(upload(url, token, content, patch))
        upload_seconds = time.monotonic() - started
        sampler.done.set()
        sampler.join()
        cpu_after = server.cpu()
        after = memory_kib(pid)
        figures: dict[str, Any] = {
            "bench": "tus_upload",
            "size_bytes": size,
            "patch_bytes": patch or size,
            "db": args.db,
            "upload_seconds": round(upload_seconds, 2),
            "upload_mb_s": round(size / MB / upload_seconds, 1),
            "server_rss_idle_mib": round(idle["VmRSS"] / 1024, 1),
            "server_rss_peak_mib": round(sampler.peak / 1024, 1),
            "server_rss_peak_above_idle_mib": round((sampler.peak - idle["VmRSS"]) / 1024, 1),
            "server_hwm_mib": round(after["VmHWM"] / 1024, 1),
            "server_cpu_seconds": round(cpu_after.total - cpu_before.total, 1),
        }
        if args.download:
            file_id = int(
                server_sql(server, f"SELECT result_id FROM netdisk_upload WHERE id = '{upload_id}'")
            )
            digest, got, seconds = asyncio.run(download(url, token, file_id))
            figures["download_mb_s"] = round(got / MB / seconds, 1)
            figures["download_sha256_matches"] = (
                digest == content.digest.hexdigest() and got == size
            )
        problems, first = server.log_problems()
        figures["server_log_errors"] = problems
        figures["machine"] = machine()
        figures["code"] = code_state()
        for line in first:
            print(line, file=sys.stderr)
        return figures
    finally:
        server.close()


def server_sql(server: BenchServer, query: str) -> str:
    """One value from the server's database (SQLite file or PostgreSQL)."""
    if server.pg_db:
        import subprocess

        out = subprocess.run(
            ["psql", f"postgresql://postgres@127.0.0.1:5432/{server.pg_db}", "-tAc", query],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    import sqlite3

    with sqlite3.connect(server.data_dir / "qiyou.sqlite3") as db:
        return str(db.execute(query).fetchone()[0])


def main(argv: list[str] | None = None) -> None:
    exit_on_sigterm()
    figures = run(parse_args(argv))
    print(
        f"tus upload of {figures['size_bytes'] / MIB:.0f} MiB in PATCH bodies of "
        f"{figures['patch_bytes'] / MIB:.0f} MiB: {figures['upload_mb_s']} MB/s; server RSS "
        f"idle {figures['server_rss_idle_mib']} MiB, peak {figures['server_rss_peak_mib']} MiB "
        f"(+{figures['server_rss_peak_above_idle_mib']} MiB), CPU "
        f"{figures['server_cpu_seconds']} s"
    )
    if "download_mb_s" in figures:
        print(
            f"download: {figures['download_mb_s']} MB/s, SHA-256 "
            f"{'matches' if figures['download_sha256_matches'] else 'DIFFERS'}"
        )
    print_json(figures)


if __name__ == "__main__":
    main()

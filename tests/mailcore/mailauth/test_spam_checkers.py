"""The spam checkers against local servers speaking the real protocols: rspamd's HTTP
``/checkv2`` and SpamAssassin spamd's SPAMC, plus the built-in heuristics."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from mailcore.mailauth.results import AuthResults
from mailcore.spam import MessageFacts, NoChecker, open_checker

SPAMMY = (
    b"From: a@x.test\r\nTo: b@y.test\r\nSubject: YOU HAVE WON THE LOTTERY\r\n\r\n"
    b"Claim your prize now!\r\n"
)
CLEAN = (
    b"From: a@x.test\r\nTo: b@y.test\r\nSubject: Meeting notes\r\n"
    b"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n\r\nSee you.\r\n"
)


class _Rspamd(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Rspamd.seen.append(
            {"path": self.path, "ip": self.headers["IP"], "rcpt": self.headers.get_all("Rcpt")}
        )
        score = 12.5 if b"LOTTERY" in body else 0.3
        data = json.dumps(
            {"score": score, "required_score": 15, "action": "add header",
             "symbols": {"FAKE_LOTTERY": {"score": score}}}
        ).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def rspamd():
    server = HTTPServer(("127.0.0.1", 0), _Rspamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"rspamd+http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def spamd():
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                b":"
            )[1]
        )
        body = await reader.readexactly(length)
        assert head.startswith(b"SYMBOLS SPAMC/1.5\r\n")
        spam = b"LOTTERY" in body
        score = b"9.1" if spam else b"0.4"
        writer.write(
            b"SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\nSpam: "
            + (b"True" if spam else b"False") + b" ; " + score + b" / 5.0\r\n\r\n"
            + b"LOTTERY_SCAM,NO_DATE"
        )  # fmt: skip
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    yield f"spamd://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


async def test_rspamd_checker_posts_to_checkv2(rspamd):
    checker = open_checker(rspamd)
    facts = MessageFacts(ip="192.0.2.5", helo="h", mail_from="a@x.test", recipients=("b@y.test",))
    spam = await checker.check(SPAMMY, facts)
    assert spam is not None and spam.score == 12.5 and spam.symbols == ["FAKE_LOTTERY"]
    assert (await checker.check(CLEAN, facts)).score == 0.3
    assert _Rspamd.seen[0] == {"path": "/checkv2", "ip": "192.0.2.5", "rcpt": ["b@y.test"]}


async def test_spamd_checker_speaks_spamc(spamd):
    checker = open_checker(spamd)
    spam = await checker.check(SPAMMY, MessageFacts())
    assert spam is not None and spam.score == 9.1
    assert spam.symbols == ["LOTTERY_SCAM", "NO_DATE"] and spam.checker == "spamd"
    assert (await checker.check(CLEAN, MessageFacts())).score == 0.4


async def test_unreachable_checkers_score_nothing():
    assert await open_checker("rspamd+http://127.0.0.1:9").check(CLEAN, MessageFacts()) is None
    assert await open_checker("spamd://127.0.0.1:9").check(CLEAN, MessageFacts()) is None
    assert isinstance(open_checker("off"), NoChecker)
    with pytest.raises(ValueError):
        open_checker("ftp://nope")


async def test_builtin_heuristics():
    checker = open_checker("builtin")
    spam = await checker.check(SPAMMY, MessageFacts(auth=AuthResults(spf="softfail")))
    assert spam.score >= 5.0
    assert {"SUBJECT_ALL_CAPS(1.5)", "SPF_SOFTFAIL(1.5)", "MISSING_DATE(1)"} <= set(spam.symbols)
    assert (await checker.check(CLEAN, MessageFacts(auth=AuthResults(spf="pass")))).score == 0

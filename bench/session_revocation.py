"""Session revocation benchmark: from a revoking answer to the close of the revoked websockets.

Starts its own ``qiyou serve`` (``--db sqlite|postgres``, ``--broadcast memory|redis``),
provisions ``--members`` members with the real CLI, signs each in ``--sessions`` times and
opens one graphql-transport-ws socket per session, subscribed to ``newMail``. Then:

1. ``query``: ``--queries`` ``{ me { email } }`` operations, one after another, on one socket
   (each operation re-checks its session, from the database at most once a second);
2. ``logout``: each member's first session logs out over HTTP; latency = the socket's close
   frame − the HTTP answer;
3. ``password``: each member's second session changes the password, which revokes the other
   sessions; latency = each other socket's close frame − the HTTP answer.

Prints a human-readable summary, then one line of JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx
import websockets
from benchlib import (
    PASSWORD,
    BenchServer,
    code_state,
    exit_on_sigterm,
    fmt_ms,
    login_all,
    machine,
    member_email,
    print_json,
    summary_ms,
)

NEW_MAIL = "subscription { newMail { subject } }"
LOGOUT = "mutation { logout }"
CHANGE = "mutation C($old: String!, $new: String!) { changePassword(old: $old, new: $new) { __typename } }"  # noqa: E501


class Socket:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.ws: Any = None
        self.closed_at: float | None = None
        self.code: int | None = None
        self._reader: asyncio.Task[None] | None = None
        self._answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def open(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["graphql-transport-ws"])
        init = {"type": "connection_init", "payload": {"token": self.token}}
        await self.ws.send(json.dumps(init))
        assert json.loads(await self.ws.recv())["type"] == "connection_ack"
        sub = {"type": "subscribe", "id": "mail", "payload": {"query": NEW_MAIL}}
        await self.ws.send(json.dumps(sub))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame["type"] == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                elif frame.get("id") != "mail":
                    await self._answers.put(frame)
        except websockets.ConnectionClosed:
            pass
        self.closed_at = time.monotonic()
        self.code = self.ws.close_code

    async def query(self, id_: str, query: str) -> dict[str, Any]:
        await self.ws.send(
            json.dumps({"type": "subscribe", "id": id_, "payload": {"query": query}})
        )
        while True:
            frame = await asyncio.wait_for(self._answers.get(), 10)
            if frame.get("id") == id_ and frame["type"] in ("next", "error"):
                return frame

    async def wait_closed(self, timeout: float) -> None:
        assert self._reader is not None
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)


async def run(server: BenchServer, members: int, sessions: int, queries: int) -> dict[str, Any]:
    emails = [member_email(i) for i in range(members)]
    rounds = [await login_all(server.graphql_url, emails) for _ in range(sessions)]
    sockets = {e: [Socket(server.ws_url, r[e]) for r in rounds] for e in emails}
    for socket in (s for group in sockets.values() for s in group):
        await socket.open()

    probe = sockets[emails[0]][-1]
    times = []
    for i in range(queries):
        start = time.monotonic()
        frame = await probe.query(f"q{i}", "{ me { email } }")
        assert frame["type"] == "next" and frame["payload"]["data"], frame
        times.append(time.monotonic() - start)

    logout, password = [], []
    async with httpx.AsyncClient(timeout=30) as http:

        async def call(token: str, query: str, **variables: Any) -> float:
            headers = {"Authorization": f"Bearer {token}"}
            body = {"query": query, "variables": variables}
            response = await http.post(server.graphql_url, json=body, headers=headers)
            assert not response.json().get("errors"), response.text
            return time.monotonic()

        for email in emails:
            first = sockets[email][0]
            answered = await call(first.token, LOGOUT)
            await first.wait_closed(10)
            assert first.closed_at is not None
            logout.append(first.closed_at - answered)
        for email in emails:
            keep, *others = sockets[email][1:]
            answered = await call(keep.token, CHANGE, old=PASSWORD, new="bench-new-pass-1")
            for other in others:
                await other.wait_closed(10)
                assert other.closed_at is not None
                password.append(other.closed_at - answered)
    codes = {s.code for group in sockets.values() for s in group[:1] + group[2:]}
    for group in sockets.values():
        for socket in group:
            await socket.ws.close()
    return {
        "query_on_socket": summary_ms(times),
        "logout_to_close": summary_ms(logout),
        "password_change_to_close": summary_ms(password),
        "close_codes": sorted(c for c in codes if c is not None),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--broadcast", choices=["memory", "redis"], default="memory")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=4, help="sessions (sockets) per member")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if args.sessions < 3:
        parser.error("--sessions must be at least 3 (logout, password change, revoked)")
    exit_on_sigterm()
    server = BenchServer(db=args.db, broadcast=args.broadcast)
    try:
        server.create_database()
        server.provision(args.members)
        server.start()
        figures = asyncio.run(run(server, args.members, args.sessions, args.queries))
    finally:
        server.close()
    for name in ("query_on_socket", "logout_to_close", "password_change_to_close"):
        f = figures[name]
        print(
            f"{name}: n={f['n']} p50 {fmt_ms(f['p50_ms'])} p95 {fmt_ms(f['p95_ms'])} "
            f"max {fmt_ms(f['max_ms'])}"
        )
    print(f"close codes: {figures['close_codes']}")
    print_json({**figures, "args": vars(args), "machine": machine(), "code": code_state()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Revoked sessions lose their open GraphQL websockets, on every node, within a second.

Logout, a password change, an admin's reset, disabling and deleting a member each close the
sockets of the sessions they end (code 4401 with a reason); a socket whose session was ended
without an event (a lost message, a change made straight in the database) is closed at its
next operation or by the once-a-second sweep of open sockets; re-enabling a member does
not revive their old tokens.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
import websockets

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import LOGIN, GraphQLClient, login
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server

NEW_MAIL = "subscription { newMail { subject } }"
ME = "{ me { email } }"
LOGOUT = "mutation { logout }"
CREATE = """
mutation C($input: CreateMemberInput!) { createMember(input: $input) { __typename } }
"""
CHANGE_PASSWORD = """
mutation P($old: String!, $new: String!) { changePassword(old: $old, new: $new) { __typename } }
"""
DISABLE = "mutation D($email: String!) { disableMember(email: $email) { __typename } }"
ENABLE = "mutation E($email: String!) { enableMember(email: $email) { __typename } }"
DELETE = "mutation X($email: String!) { deleteMember(email: $email) { __typename } }"
RESET = """
mutation R($email: String!, $password: String!) {
  resetMemberPassword(email: $email, password: $password) { __typename }
}
"""
UPDATE = """
mutation U($email: String!, $input: UpdateMemberInput!) {
  updateMember(email: $email, input: $input) { __typename }
}
"""
REVOKED = (4401, 4403)
WITHIN = 1.0  # seconds from the revoking answer to the socket's close


class LiveSocket:
    """A graphql-transport-ws connection with a newMail subscription ("mail") running."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url, self.token = ws_url, token
        self.ws: Any = None
        self.pushed: list[str] = []  # subjects of newMail pushes received
        self._ids = 0

    async def __aenter__(self) -> LiveSocket:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["graphql-transport-ws"])
        await self.ws.send(
            json.dumps({"type": "connection_init", "payload": {"token": self.token}})
        )
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await self._send("subscribe", "mail", {"query": NEW_MAIL})
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def _send(self, kind: str, id_: str, payload: dict[str, Any]) -> None:
        await self.ws.send(json.dumps({"type": kind, "id": id_, "payload": payload}))

    async def _frame(self, timeout: float) -> dict[str, Any]:
        """The next frame other than pings, noting newMail pushes on the way."""
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif frame.get("id") == "mail" and frame["type"] == "next":
                self.pushed.append(frame["payload"]["data"]["newMail"]["subject"])
                return frame
            else:
                return frame

    async def query(self, query: str, timeout: float = 10) -> dict[str, Any]:
        """Run a query as an operation of this socket; its ``next`` or ``error`` frame."""
        self._ids += 1
        id_ = f"q{self._ids}"
        await self._send("subscribe", id_, {"query": query})
        while True:
            frame = await self._frame(timeout)
            if frame.get("id") == id_ and frame["type"] in ("next", "error"):
                return frame

    async def wait_pushed(self, subject: str, timeout: float) -> bool:
        """Whether a newMail with this subject arrives within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while subject not in self.pushed:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                await self._frame(left)
            except TimeoutError:
                return False
        return True

    async def closed(self, timeout: float) -> tuple[int, str, float]:
        """Wait for the server to close the socket: (code, reason, seconds waited)."""
        start = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await self._frame(timeout)
        received = closed.value.rcvd
        assert received is not None, "closed without a close frame from the server"
        return received.code, received.reason, time.monotonic() - start


def deliver(server: Server, address: str, subject: str) -> None:
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("s@remote.test", [address], simple_mail("s@remote.test", address, subject))


async def live(server: Server, socket: LiveSocket, address: str) -> None:
    """Wait until the socket's newMail subscription is receiving (mail until one arrives)."""
    for _ in range(20):
        subject = unique("ready")
        deliver(server, address, subject)
        if await socket.wait_pushed(subject, 1.0):
            return
    raise AssertionError("the newMail subscription never received anything")


async def new_member(server: Server) -> tuple[str, GraphQLClient]:
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    email = f"revoke-{uuid.uuid4().hex[:8]}@example.com"
    created = await admin.data(CREATE, input={"email": email, "password": PASSWORD})
    assert created["createMember"]["__typename"] == "AdminMember", created
    return email, admin


async def refused_over_http(server: Server, token: str) -> bool:
    body = await GraphQLClient(server.graphql_url, token).execute(ME)
    return bool(body.get("errors")) and body.get("data") is None


async def refused_over_websocket(server: Server, token: str) -> bool:
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd is not None and closed.rcvd.code in REVOKED
    return False


async def assert_revoked(
    server: Server, socket: LiveSocket, email: str, revoked_at: float, *, mail_in: bool = True
):
    """The socket closes within a second of ``revoked_at``, gets no more mail (when ``mail_in``:
    the member still receives mail), its token is refused over HTTP and for a new socket."""
    code, reason, _ = await socket.closed(timeout=5)
    took = time.monotonic() - revoked_at
    assert code in REVOKED and reason, (code, reason)
    assert took < WITHIN, f"the socket closed {took:.2f} s after the revocation"
    if mail_in:
        after = unique("after")
        deliver(server, email, after)
        assert after not in socket.pushed
    with pytest.raises(websockets.ConnectionClosed):
        await socket.query(ME, timeout=2)
    assert await refused_over_http(server, socket.token)
    assert await refused_over_websocket(server, socket.token)


async def test_logout_closes_the_sessions_socket_only(server):
    email, _ = await new_member(server)
    member = await login(server.graphql_url, email, PASSWORD)
    other = await login(server.graphql_url, email, PASSWORD)
    async with LiveSocket(server.ws_url, member.token) as socket:
        async with LiveSocket(server.ws_url, other.token) as kept:
            await live(server, socket, email)
            assert (await socket.query(ME))["payload"]["data"]["me"]["email"] == email
            # when the session logs out (over HTTP)
            assert (await member.data(LOGOUT))["logout"] is True
            revoked_at = time.monotonic()
            # then its socket is closed; the other session's socket keeps working
            await assert_revoked(server, socket, email, revoked_at)
            assert (await kept.query(ME))["payload"]["data"]["me"]["email"] == email


async def test_password_change_closes_the_members_other_sockets(server):
    email, _ = await new_member(server)
    laptop = await login(server.graphql_url, email, PASSWORD)
    phone = await login(server.graphql_url, email, PASSWORD)
    async with LiveSocket(server.ws_url, phone.token) as on_phone:
        async with LiveSocket(server.ws_url, laptop.token) as on_laptop:
            await live(server, on_phone, email)
            changed = await laptop.data(CHANGE_PASSWORD, old=PASSWORD, new="another-horse-7")
            assert changed["changePassword"]["__typename"] == "Done", changed
            revoked_at = time.monotonic()
            await assert_revoked(server, on_phone, email, revoked_at)
            # the session that changed the password keeps its socket
            assert (await on_laptop.query(ME))["payload"]["data"]["me"]["email"] == email


@pytest.mark.parametrize("action", ["disable", "reset", "update", "delete"])
async def test_admin_actions_close_every_socket_of_the_member(server, action):
    email, admin = await new_member(server)
    member = await login(server.graphql_url, email, PASSWORD)
    async with LiveSocket(server.ws_url, member.token) as socket:
        await live(server, socket, email)
        if action == "disable":
            answer = (await admin.data(DISABLE, email=email))["disableMember"]
        elif action == "reset":
            answer = await admin.data(RESET, email=email, password="reset-horse-5")
            answer = answer["resetMemberPassword"]
        elif action == "update":  # a new password among the profile's fields
            answer = await admin.data(UPDATE, email=email, input={"password": "update-horse-3"})
            answer = answer["updateMember"]
        else:
            answer = (await admin.data(DELETE, email=email))["deleteMember"]
        revoked_at = time.monotonic()
        assert answer["__typename"] == "AdminMember", answer
        mail_in = action in ("reset", "update")  # a disabled or deleted member gets no mail
        await assert_revoked(server, socket, email, revoked_at, mail_in=mail_in)


async def test_reenabling_a_member_does_not_revive_their_tokens(server):
    email, admin = await new_member(server)
    member = await login(server.graphql_url, email, PASSWORD)
    assert (await admin.data(DISABLE, email=email))["disableMember"]["__typename"] == "AdminMember"
    assert (await admin.data(ENABLE, email=email))["enableMember"]["__typename"] == "AdminMember"
    assert await refused_over_http(server, member.token)
    assert await refused_over_websocket(server, member.token)
    # a new login works again
    body = await GraphQLClient(server.graphql_url).execute(LOGIN, email=email, password=PASSWORD)
    assert body["data"]["login"]["__typename"] == "LoginSuccess"


async def test_a_session_ended_without_an_event_is_refused_at_the_next_operation(server):
    """Defence in depth: a session revoked in the database only (a lost event) cannot keep
    using its socket: the next operation, or the process's once-a-second sweep of its open
    sockets, finds it revoked and closes the socket."""
    email, _ = await new_member(server)
    member = await login(server.graphql_url, email, PASSWORD)
    async with LiveSocket(server.ws_url, member.token) as socket:
        await live(server, socket, email)
        server.mailcore(
            "await AuthSession.filter(member__email=args['email']).update(revoked=True)\n"
            "return True",
            email=email,
        )
        deadline = time.monotonic() + 5
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while time.monotonic() < deadline:
                frame = await socket.query(ME, timeout=2)
                assert frame["type"] == "next" and frame["payload"].get("data"), frame
        assert closed.value.rcvd is not None and closed.value.rcvd.code in REVOKED


async def test_no_push_reaches_a_session_ended_without_an_event(server):
    email, _ = await new_member(server)
    member = await login(server.graphql_url, email, PASSWORD)
    async with LiveSocket(server.ws_url, member.token) as socket:
        await live(server, socket, email)
        server.mailcore(
            "await AuthSession.filter(member__email=args['email']).update(revoked=True)\n"
            "return True",
            email=email,
        )
        sent_at = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                subject = unique("late")
                deliver(server, email, subject)
                if await socket.wait_pushed(subject, 0.5):
                    # a push may still pass while the last check is fresh (at most a second)
                    assert time.monotonic() - sent_at < 2 * WITHIN, "pushed to a revoked session"
        assert closed.value.rcvd is not None and closed.value.rcvd.code in REVOKED


@pytest.mark.parametrize("backend", [BACKENDS[1]])
async def test_logout_on_one_node_closes_the_socket_on_another(backend, tmp_path):
    for node in ("node1", "node2"):
        (tmp_path / node).mkdir()
    with private_server(backend, tmp_path / "node1") as node1:
        node2 = Server(data_dir=tmp_path / "node2", env=dict(node1.env))
        node2.start()
        try:
            email, _ = await new_member(node1)
            member = await login(node1.graphql_url, email, PASSWORD)
            async with LiveSocket(node2.ws_url, member.token) as socket:
                await live(node1, socket, email)  # mail in on node 1, pushed on node 2
                assert (await member.data(LOGOUT))["logout"] is True  # on node 1
                revoked_at = time.monotonic()
                await assert_revoked(node2, socket, email, revoked_at)
        finally:
            node2.stop()


async def test_the_legacy_graphql_ws_protocol_is_not_offered(server):
    """Its sockets would bypass the session checks: only graphql-transport-ws is spoken."""
    member = await login(server.graphql_url, "bob@example.com", PASSWORD)
    init = {"type": "connection_init", "payload": {"token": member.token}}
    async with websockets.connect(server.ws_url, subprotocols=["graphql-ws"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.send(json.dumps(init))
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406

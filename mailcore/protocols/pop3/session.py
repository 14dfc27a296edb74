"""One POP3 connection: the AUTHORIZATION and TRANSACTION states of RFC 1939, STLS
(RFC 2595), CAPA (RFC 2449) and AUTH PLAIN (RFC 5034).

Commands are read one line at a time (``wire.parse``), so a pipelining client (CAPA
``PIPELINING``) is simply answered in order. A line longer than ``wire.MAX_LINE`` (AUTH:
``MAX_AUTH_LINE``) is read to its end, dropped and answered ``-ERR``; the stream never holds
more than one such line. Every answer is written before the next command is read, and a
writer that the client does not read blocks in ``drain`` under the same timeout as a
silent client, so a client that never reads holds one message's bytes at most.

Passwords travel only over TLS (implicit on the POP3S port, or after STLS) unless
``plaintext_auth_allowed`` says otherwise: then USER, PASS and AUTH answer ``-ERR [AUTH]
... use STLS`` and CAPA offers neither USER nor SASL. Whatever a client pipelined after
STLS before the handshake is dropped (it came in the clear).

Timeouts: before login ``LOGIN_TIMEOUT`` (``stress_timeout`` while the listener is under
stress), then ``IDLE_TIMEOUT`` (RFC 1939's autologout: at least 10 minutes); a session
that times out closes without a word and without the UPDATE state (nothing is removed).
The connection is *idle* for the listener's limits while it waits for a command.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import logging
import ssl

from mailcore.core.models import ClientKind
from mailcore.core.net.limits import ConnectionLimits, Lease
from mailcore.core.net.tls import plaintext_auth_allowed
from mailcore.protocols.pop3 import replies, wire
from mailcore.protocols.pop3.inuse import MailboxLocks
from mailcore.protocols.pop3.maildrop import Gone, Item, Maildrop
from mailcore.security.errors import SecurityError
from mailcore.security.login import Attempt, ClientLogin, sign_in_client, still_signed_in
from mailcore.store.services import Services

log = logging.getLogger(__name__)

LOGIN_TIMEOUT = 60.0  # seconds a client may stay silent before it has logged in
IDLE_TIMEOUT = 600.0  # RFC 1939 §3: the autologout timer, at least 10 minutes
HANDSHAKE_TIMEOUT = 30.0  # seconds for a TLS handshake
AUTHORIZATION = ("USER", "PASS", "AUTH", "STLS", "CAPA", "QUIT")
TRANSACTION = ("STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "CAPA", "QUIT")


class Session:
    def __init__(
        self,
        runtime: Services,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        lease: Lease,
        limits: ConnectionLimits,
        locks: MailboxLocks,
        context: ssl.SSLContext | None,
        secure: bool,
    ) -> None:
        self.runtime = runtime
        self.reader = reader
        self.writer = writer
        self.lease = lease
        self.limits = limits
        self.locks = locks
        self.context = context
        self.secure = secure
        self.user: str | None = None  # given by USER, waiting for PASS
        self.drop: Maildrop | None = None  # the TRANSACTION state's maildrop
        self.login: ClientLogin | None = None  # how the member signed in
        self.login_checked = 0.0  # loop time of the last check that it still holds
        self.done = False

    @property
    def ip(self) -> str:
        return self.lease.ip

    async def run(self) -> None:
        self.lease.on_evict = self._evicted
        try:
            await self.send(replies.GREETING)
            while not self.done:
                line = await self._command_line()
                if line is None:
                    break
                self.lease.busy()
                if not await self._still_signed_in():
                    await self.send("-ERR [AUTH] this login is no longer valid: sign in again")
                    break  # no UPDATE state: nothing is deleted
                await self._dispatch(line)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client went away or was silent too long: no UPDATE state
        except Exception:
            log.exception("POP3 session from %s failed", self.ip)
        finally:
            await self._end()

    async def _still_signed_in(self) -> bool:
        """Once logged in, at most every ``QIYOU_CLIENT_LOGIN_CHECK`` s: the member still
        enabled, POP3 still on for them, the password unchanged, the app password not
        revoked."""
        if self.login is None:
            return True
        now = asyncio.get_running_loop().time()
        if now - self.login_checked < self.runtime.settings.client_login_check:
            return True
        self.login_checked = now
        return await still_signed_in(self.login)

    async def _end(self) -> None:
        self.lease.close()
        if self.drop is not None:
            await self.locks.release(self.drop.member_id)
            self.drop = None
        self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 5)

    def _evicted(self) -> None:
        self.writer.write(b"-ERR [SYS/TEMP] too many connections: closing an idle one\r\n")
        self.writer.transport.close()

    # --- reading and writing

    def _timeout(self) -> float:
        if self.drop is not None:
            return IDLE_TIMEOUT
        if self.limits.stressed:
            return min(LOGIN_TIMEOUT, self.runtime.settings.stress_timeout)
        return LOGIN_TIMEOUT

    async def _command_line(self) -> bytes | None:
        if self.drop is None:  # a logged-in session is never evicted (its DELEs wait for QUIT)
            self.lease.idle()
        async with asyncio.timeout(self._timeout()):
            return await self._line()

    async def _line(self) -> bytes | None:
        """The next line; ``b""`` for one too long to take (read to its end and dropped),
        None at the end of the stream."""
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError as overrun:
            consumed = overrun.consumed
        while True:  # drop the long line, never holding more than the stream's limit
            try:
                await self.reader.readexactly(max(consumed, 1))
                await self.reader.readuntil(b"\n")
                return b""
            except asyncio.IncompleteReadError:
                return None
            except asyncio.LimitOverrunError as overrun:
                consumed = overrun.consumed

    async def send(self, *lines: str) -> None:
        self.writer.write("".join(f"{line}\r\n" for line in lines).encode())
        await self._drain()

    async def _drain(self) -> None:
        async with asyncio.timeout(IDLE_TIMEOUT):
            await self.writer.drain()

    async def send_message(self, first: str, data: bytes) -> None:
        self.writer.write(f"{first}\r\n".encode())
        for chunk in wire.transmit(data):
            self.writer.write(chunk)
            await self._drain()

    # --- commands

    async def _dispatch(self, line: bytes) -> None:
        if not line:
            await self.send(replies.LINE_TOO_LONG)
            return
        try:
            command = wire.parse(line)
        except wire.BadCommand as bad:
            await self.send(f"-ERR {bad}")
            return
        allowed = TRANSACTION if self.drop is not None else AUTHORIZATION
        if command.keyword not in allowed:
            wrong = (
                replies.WRONG_STATE_AUTH if self.drop is None else replies.WRONG_STATE_TRANSACTION
            )
            await self.send(wrong)
            return
        handler = getattr(self, f"do_{command.keyword.lower()}")
        await handler(*command.args)

    async def do_capa(self) -> None:
        lines = [replies.CAPA, "TOP", "UIDL"]
        if self.drop is None and self._may_login():
            lines += ["USER", "SASL PLAIN"]
        lines += ["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if self.drop is None and not self.secure and self.context is not None:
            lines.append("STLS")
        lines += ["EXPIRE NEVER", "LOGIN-DELAY 0", "IMPLEMENTATION Qiyou", "."]
        await self.send(*lines)

    async def do_quit(self) -> None:
        self.done = True
        if self.drop is None:
            await self.send(replies.BYE)
            return
        try:
            removed = await self.drop.commit(self.runtime.ingestor.changes)
        except Exception:
            log.exception("POP3 UPDATE of member %s failed", self.drop.member_id)
            await self.send(replies.UPDATE_FAILED)
            return
        left = len(self.drop.items) - removed
        await self.send(f"+OK bye ({removed} removed, {left} left)")

    async def do_stls(self) -> None:
        if self.secure:
            await self.send(replies.ALREADY_TLS)
            return
        if self.context is None:
            await self.send(replies.TLS_UNAVAILABLE)
            return
        await self.send(replies.TLS_GO)
        self.reader._buffer.clear()  # noqa: SLF001 - pipelined in the clear: never obeyed
        await self.writer.start_tls(self.context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        self.secure = True
        self.user = None

    def _may_login(self) -> bool:
        return self.secure or plaintext_auth_allowed(self.runtime.settings, self.ip)

    async def do_user(self, name: str) -> None:
        if not self._may_login():
            await self.send(replies.PLAINTEXT)
            return
        self.user = name
        await self.send(replies.USER_OK)

    async def do_pass(self, password: str) -> None:
        if not self._may_login():
            await self.send(replies.PLAINTEXT)
            return
        if self.user is None:
            await self.send(replies.NO_USER)
            return
        user, self.user = self.user, None
        await self._login(user, password)

    async def do_auth(self, mechanism: str | None = None, initial: str | None = None) -> None:
        if mechanism is None:  # a listing, as Outlook asks for it
            mechanisms = ["PLAIN"] if self._may_login() else []
            await self.send(replies.AUTH_MECHANISMS, *mechanisms, ".")
            return
        if mechanism.upper() != "PLAIN":
            await self.send(replies.MECHANISM)
            return
        if not self._may_login():
            await self.send(replies.PLAINTEXT)
            return
        if initial is None:
            await self.send("+ ")
            async with asyncio.timeout(self._timeout()):
                line = await self._line()
            if line is None:
                self.done = True
                return
            if not line:
                await self.send(replies.LINE_TOO_LONG)
                return
            initial = line.strip().decode("ascii", "replace")
        if initial == "*":
            await self.send(replies.CANCELLED)
            return
        try:
            decoded = b"" if initial == "=" else binascii.a2b_base64(initial, strict_mode=True)
        except (binascii.Error, ValueError):
            await self.send(replies.BAD_BASE64)
            return
        parts = decoded.split(b"\0")
        try:
            authzid, login, password = (p.decode("utf-8") for p in parts) if len(parts) == 3 else ()
        except (ValueError, UnicodeDecodeError):
            await self.send(replies.BAD_PLAIN)
            return
        if authzid and authzid != login:
            await self.send(replies.OTHER_USER)
            return
        await self._login(login, password)

    async def _login(self, login: str, password: str) -> None:
        settings = self.runtime.settings
        try:
            signed_in = await sign_in_client(
                Attempt(login, password, ClientKind.POP3, self.ip, user_agent=""), settings
            )
        except SecurityError as refused:
            await self.send(f"-ERR [AUTH] {refused.message}")
            return
        except Exception:
            log.exception("POP3 login of %r failed", login)
            await self.send(replies.TEMPORARY)
            return
        member = signed_in.member
        if not await self.locks.acquire(member.id):
            await self.send(replies.IN_USE)
            return
        try:
            self.drop = await Maildrop.open(member.id)
        except Exception:
            await self.locks.release(member.id)
            log.exception("POP3 maildrop of member %s failed", member.id)
            await self.send(replies.TEMPORARY)
            return
        self.login, self.login_checked = signed_in, asyncio.get_running_loop().time()
        count, size = self.drop.stat()
        await self.send(f"+OK {count} messages ({size} octets)")

    # --- TRANSACTION

    async def _item(self, text: str) -> Item | None:
        """The message numbered ``text`` (not deleted), or None after saying why not."""
        assert self.drop is not None
        n = wire.number(text)
        if n is None:
            await self.send(replies.BAD_NUMBER)
            return None
        if not 1 <= n <= len(self.drop.items):
            await self.send(replies.NO_SUCH_MESSAGE)
            return None
        item = self.drop.items[n - 1]
        if item.deleted:
            await self.send(replies.ALREADY_DELETED)
            return None
        return item

    async def do_stat(self) -> None:
        assert self.drop is not None
        count, size = self.drop.stat()
        await self.send(f"+OK {count} {size}")

    async def do_list(self, which: str | None = None) -> None:
        assert self.drop is not None
        if which is not None:
            item = await self._item(which)
            if item is not None:
                await self.send(f"+OK {int(which)} {item.size}")
            return
        count, size = self.drop.stat()
        rows = [f"{n} {item.size}" for n, item in self.drop.visible()]
        await self._listing(f"+OK {count} messages ({size} octets)", rows)

    async def do_uidl(self, which: str | None = None) -> None:
        assert self.drop is not None
        if which is not None:
            item = await self._item(which)
            if item is not None:
                await self.send(f"+OK {int(which)} {item.uid}")
            return
        rows = [f"{n} {item.uid}" for n, item in self.drop.visible()]
        await self._listing("+OK unique ids follow", rows)

    async def _listing(self, first: str, rows: list[str]) -> None:
        self.writer.write(f"{first}\r\n".encode())
        for start in range(0, len(rows), 1000):  # drained as it goes: big mailboxes
            self.writer.write("".join(f"{r}\r\n" for r in rows[start : start + 1000]).encode())
            await self._drain()
        await self.send(".")

    async def do_retr(self, which: str) -> None:
        await self._retrieve(which, None)

    async def do_top(self, which: str, lines: str) -> None:
        count = wire.number(lines)
        if count is None:
            await self.send(replies.BAD_LINES)
            return
        await self._retrieve(which, count)

    async def _retrieve(self, which: str, lines: int | None) -> None:
        assert self.drop is not None
        item = await self._item(which)
        if item is None:
            return
        try:
            raw = await self.drop.read(self.runtime.blobs, int(which))
        except Gone:
            await self.send(replies.GONE)
            return
        if lines is None:
            data = wire.normalised(raw)
            await self.send_message(f"+OK {len(data)} octets", data)
            item.retrieved = True  # marked seen at QUIT, as Dovecot does (TOP does not)
        else:
            await self.send_message(replies.TOP_FOLLOWS, wire.top(raw, lines))

    async def do_dele(self, which: str) -> None:
        item = await self._item(which)
        if item is not None:
            item.deleted = True
            await self.send(replies.DELETED)

    async def do_noop(self) -> None:
        await self.send(replies.NOOP)

    async def do_rset(self) -> None:
        assert self.drop is not None
        self.drop.reset()
        count, size = self.drop.stat()
        await self.send(f"+OK {count} messages ({size} octets)")

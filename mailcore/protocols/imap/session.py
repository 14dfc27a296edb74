"""One IMAP connection: the state machine, the dispatch table, the core commands and IDLE.

States (RFC 9051 §3): not authenticated → authenticated → selected → logout. ``state`` is
read from the session (no member: not authenticated; ``selected`` set: selected), so it can
never disagree with them.

**Registering a command** (the contract every command module follows)::

    from mailcore.protocols.imap.session import AUTHENTICATED, SELECTED, Session, command

    @command("FETCH", "UID FETCH", states=SELECTED)
    async def fetch(session: Session, cmd: Command) -> str | None:
        ...

* ``states``: ``ANY``, ``NOT_AUTHENTICATED``, ``AUTHENTICATED`` (logged in: authenticated
  *or* selected) or ``SELECTED``. In another state the client reads a tagged BAD.
* ``cmd`` is a ``parser.Command``: ``tag``, ``name`` (upper case, ``"UID FETCH"`` for the
  UID form) and ``args`` (a ``parser.Args`` cursor: ``atom()``, ``astring()``, ``list()``,
  ``number()``, ``end()`` … each raising ``Bad`` with a reason).
* Untagged output: ``session.write(b"* 3 EXISTS\\r\\n")`` (raw bytes, CRLF included) or
  ``session.untagged("3 EXISTS")``. A handler writing many responses calls
  ``await session.pace()`` now and then (waits while the client reads; drops it if it never
  does). The session flushes after the tagged response.
* The result: return ``None`` (``<tag> OK <NAME> completed``) or the OK text (``"[APPENDUID
  7 12] APPEND completed"``); raise ``responses.No("[TRYCREATE] …")`` / ``responses.Bad(…)``
  for NO / BAD, ``responses.Bye`` to close, ``Answered`` after writing the tagged response
  yourself. Any other exception is logged and answered ``NO [SERVERBUG]``: the connection
  survives.
* Every command module is imported by ``mailcore/protocols/imap/commands.py`` (one line
  each), which fills the table before the first connection. Capabilities that depend on a
  command (``MOVE``, ``SORT`` …, see ``BY_COMMAND``) are advertised once it is registered.

**The selected mailbox** is ``session.selected`` (None when nothing is selected), an object
of the selected-state module with:

* ``folder_id: int`` and ``readonly: bool``;
* ``async def sync(self, session: Session, *, expunges: bool) -> None`` — write the untagged
  updates (EXISTS, EXPUNGE/VANISHED, FETCH FLAGS …) of what changed since the last sync. The
  session calls it after every command in the selected state, just before the tagged
  response (``expunges=False`` after FETCH, STORE, SEARCH, SORT and THREAD by sequence
  number, where RFC 9051 §7.5.1 forbids EXPUNGE), and in IDLE whenever the member's bus
  channel wakes it (and every ``IDLE_POLL`` seconds, in case a wake-up was lost).

SELECT/EXAMINE set ``session.selected``; CLOSE/UNSELECT (and a failed SELECT) set it back to
None. ``session.member`` is the logged-in ``Member``; ``session.runtime`` the ``Services``;
``session.enabled`` the ENABLEd extensions, upper case (``session.utf8``: mailbox names and
strings in UTF-8; ``session.rev2``; ``session.condstore`` / ``session.qresync``; a command
that uses CONDSTORE enables it with ``session.enabled.add("CONDSTORE")``, RFC 7162 §3.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mailcore.core.net.limits import Lease
from mailcore.core.net.tls import plaintext_auth_allowed
from mailcore.protocols.imap import parser
from mailcore.protocols.imap.connection import Connection, LineTooLong, WriteTimeout
from mailcore.protocols.imap.gate import LoginGate
from mailcore.protocols.imap.parser import Command
from mailcore.protocols.imap.responses import Bad, Bye, ImapError, No, string
from mailcore.security.login import ClientLogin, still_signed_in
from mailcore.store.services import Services

if TYPE_CHECKING:
    from mailcore.core.config import Settings
    from mailcore.core.models import Member

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024  # one line of a command (a long UID set fits)
MAX_COMMAND = 1024 * 1024  # a whole command but APPEND, literals included
MAX_PREAUTH = 16 * 1024  # a whole command before login, literals included
MAX_FAILED_LOGINS = 5  # then the connection is closed
IDLE_POLL = 60.0  # seconds between syncs (and "* OK Still here") in a quiet IDLE
HANDSHAKE_TIMEOUT = 30.0


class State(enum.Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


ANY = frozenset(State) - {State.LOGOUT}
NOT_AUTHENTICATED = frozenset({State.NOT_AUTHENTICATED})
AUTHENTICATED = frozenset({State.AUTHENTICATED, State.SELECTED})  # logged in
SELECTED = frozenset({State.SELECTED})

# Sequence-number commands during which EXPUNGE must not be sent (RFC 9051 §7.5.1).
NO_EXPUNGE = frozenset({"FETCH", "STORE", "SEARCH", "SORT", "THREAD"})

# Always, before and after login.
BASE_CAPABILITIES = ("IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE")
# After login.
SESSION_CAPABILITIES = (
    "IDLE",
    "NAMESPACE",
    "UTF8=ACCEPT",
    "COMPRESS=DEFLATE",
    "SPECIAL-USE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "CHILDREN",
    "STATUS=SIZE",
)
# After login, once the command that implements them is registered.
BY_COMMAND = {
    "UIDPLUS": "UID EXPUNGE",
    "MOVE": "MOVE",
    "CONDSTORE": "SELECT",
    "QRESYNC": "SELECT",
    "UNSELECT": "UNSELECT",
    "ESEARCH": "SEARCH",
    "SEARCHRES": "SEARCH",
    "SORT": "SORT",
    "THREAD=REFERENCES": "THREAD",
    "BINARY": "FETCH",
}
ENABLEABLE = frozenset({"CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "IMAP4REV2"})


class SelectedMailbox(Protocol):
    """What the session needs of the selected state (implemented in ``selected.py``)."""

    folder_id: int
    readonly: bool

    async def sync(self, session: Session, *, expunges: bool) -> None: ...


Handler = Callable[["Session", Command], Awaitable[str | None]]


@dataclass(frozen=True)
class Entry:
    run: Handler
    states: frozenset[State]


COMMANDS: dict[str, Entry] = {}


def command(*names: str, states: frozenset[State]) -> Callable[[Handler], Handler]:
    """Register a handler under one or more command names (``"UID FETCH"`` for UID forms)."""

    def register(run: Handler) -> Handler:
        for name in names:
            COMMANDS[name.upper()] = Entry(run, states)
        return run

    return register


class Answered(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler that wrote its own tagged response (COMPRESS, STARTTLS: what
    follows it changes the stream)."""


@dataclass
class Session:
    runtime: Services
    conn: Connection
    ip: str
    tls_context: ssl.SSLContext
    lease: Lease | None = None
    stressed: Callable[[], bool] = lambda: False  # the listener is nearly full
    logins: LoginGate = field(default_factory=LoginGate)  # the listener's, shared
    idle_poll: float = IDLE_POLL
    member: Member | None = None
    login: ClientLogin | None = None  # how the member signed in, checked again while we last
    login_checked: float = 0.0  # loop time of the last check
    selected: SelectedMailbox | None = None
    enabled: set[str] = field(default_factory=set)
    client_id: dict[str, str] = field(default_factory=dict)  # from ID
    failed_logins: int = 0
    logged_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # per-session state of commands

    # --- state ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        if self.logged_out:
            return State.LOGOUT
        if self.member is None:
            return State.NOT_AUTHENTICATED
        return State.SELECTED if self.selected is not None else State.AUTHENTICATED

    @property
    def utf8(self) -> bool:
        """Mailbox names and strings go as UTF-8 (UTF8=ACCEPT or IMAP4rev2 enabled)."""
        return "UTF8=ACCEPT" in self.enabled or "IMAP4REV2" in self.enabled

    @property
    def rev2(self) -> bool:
        return "IMAP4REV2" in self.enabled

    @property
    def condstore(self) -> bool:
        return "CONDSTORE" in self.enabled or "QRESYNC" in self.enabled

    @property
    def qresync(self) -> bool:
        return "QRESYNC" in self.enabled

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def plaintext_ok(self) -> bool:
        """May this client send a password now (TLS, or plaintext allowed for its address)?"""
        return self.conn.tls or plaintext_auth_allowed(self.settings, self.ip)

    def capabilities(self) -> list[str]:
        caps = list(BASE_CAPABILITIES)
        if self.member is None:
            if not self.conn.tls:
                caps.append("STARTTLS")
            if self.plaintext_ok:
                caps += ["AUTH=PLAIN", "AUTH=LOGIN"]
            else:
                caps.append("LOGINDISABLED")
            return caps
        caps += SESSION_CAPABILITIES
        if self.conn.compressed:
            caps.remove("COMPRESS=DEFLATE")
        caps += [cap for cap, name in BY_COMMAND.items() if name in COMMANDS]
        if "APPEND" in COMMANDS:
            caps.append(f"APPENDLIMIT={self.settings.max_message_size}")
        return caps

    def capability_code(self) -> str:
        return "[CAPABILITY " + " ".join(self.capabilities()) + "]"

    # --- output --------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        self.conn.write(data)

    def untagged(self, text: str) -> None:
        self.conn.write(b"* " + text.encode() + b"\r\n")

    def quote(self, value: str | bytes) -> bytes:
        """A string for a response, in UTF-8 if the client enabled it."""
        return string(value, utf8=self.utf8)

    async def pace(self) -> None:
        await self.conn.pace()

    async def flush(self) -> None:
        await self.conn.flush()

    # --- the loop ------------------------------------------------------------------------

    def _read_timeout(self) -> float:
        settings = self.settings
        if self.member is not None:
            return settings.imap_idle_timeout
        if self.stressed():
            return min(settings.stress_timeout, settings.imap_auth_timeout)
        return settings.imap_auth_timeout

    async def run(self) -> None:
        """Greet, then read and answer commands until LOGOUT, an error or a timeout."""
        try:
            self.untagged(f"OK {self.capability_code()} Qiyou IMAP ready")
            await self.flush()
            while not self.logged_out:
                if self.member is None and self.lease is not None:
                    self.lease.idle()  # an idle flood before login may be displaced
                self.conn.timeout = self._read_timeout()
                try:
                    cmd = await self.read_command()
                except ImapError as error:
                    self.write(error.line(getattr(error, "tag", "") or "*"))
                    await self.flush()
                    continue
                if self.member is None and self.lease is not None:
                    self.lease.busy()
                await self.check_login()
                await self.execute(cmd)
        except TimeoutError:
            self._bye("Autologout; idle for too long")
        except Bye as bye:
            self._bye(bye.text)
        except (EOFError, ConnectionError, WriteTimeout, ssl.SSLError):
            pass
        finally:
            self.conn.close()

    async def check_login(self) -> None:
        """End the session (BYE) once its login no longer holds: the member disabled or
        deleted, IMAP switched off, the password changed, the app password revoked. Checked
        before a command and on IDLE's wake-ups, at most every ``QIYOU_CLIENT_LOGIN_CHECK``
        seconds."""
        if self.login is None:
            return
        now = asyncio.get_running_loop().time()
        if now - self.login_checked < self.settings.client_login_check:
            return
        self.login_checked = now
        if not await still_signed_in(self.login):
            self.logged_out = True
            raise Bye("[UNAVAILABLE] this login is no longer valid: sign in again")

    def _bye(self, text: str) -> None:
        with contextlib.suppress(Exception):
            self.untagged(f"BYE {text}")
            self.conn.push()

    async def read_command(self) -> Command:
        """Read one command with its literals (sending ``+`` for synchronizing ones) and
        parse it; raises ``Bad``/``No`` (with ``.tag``) for one that breaks a limit."""
        line_limit = MAX_LINE if self.member is not None else MAX_PREAUTH
        try:
            line = await self.conn.read_line(line_limit)
        except LineTooLong as exc:
            tag, _ = parser.command_head(exc.head)
            raise _tagged(Bad("[TOOBIG] command line too long"), tag) from None
        data = bytearray(line)
        tag, name = parser.command_head(line)
        appending = name == "APPEND"
        if self.member is None:  # before login a client earns no large buffer
            appending, budget = False, MAX_PREAUTH
        else:
            budget = MAX_COMMAND
        if appending:  # one message (we offer no MULTIAPPEND) and its flags and date
            budget = self.settings.max_message_size + MAX_COMMAND
        while (spec := parser.literal_at_end(line)) is not None:
            limit = self.settings.max_message_size if appending else budget
            if spec.size > limit or len(data) + spec.size > budget:
                await self._refuse_literal(spec)
                if appending:
                    raise _tagged(No("[TOOBIG] message larger than APPENDLIMIT"), tag)
                raise _tagged(Bad("[TOOBIG] literal too large"), tag)
            if spec.sync:
                self.write(b"+ Ready for literal data\r\n")
                await self.flush()
            data += await self.conn.read_exact(spec.size)
            try:
                line = await self.conn.read_line(line_limit)
            except LineTooLong:
                raise _tagged(Bad("[TOOBIG] command line too long"), tag) from None
            data += line
        return parser.parse(bytes(data))

    async def _refuse_literal(self, spec: parser.LiteralSpec) -> None:
        """A literal over its limit: the client of a synchronizing one never sends it; a
        non-synchronizing one is on its way and read to nothing (or, if absurdly large, the
        connection is closed), then the rest of the command is skipped."""
        if spec.sync:
            return
        if spec.size > 2 * self.settings.max_message_size + MAX_COMMAND:
            raise Bye("[TOOBIG] literal too large")
        await self.conn.discard(spec.size)
        line = await self._skip_line()
        while (more := parser.literal_at_end(line)) is not None:
            if more.sync or more.size > MAX_COMMAND:
                return
            await self.conn.discard(more.size)
            line = await self._skip_line()

    async def _skip_line(self) -> bytes:
        try:
            return await self.conn.read_line(MAX_LINE)
        except LineTooLong:
            return b"\r\n"

    async def execute(self, cmd: Command) -> None:
        entry = COMMANDS.get(cmd.name)
        text: str | None = None
        status = "OK"
        if entry is None:
            status, text = "BAD", "unknown command"
        elif self.state not in entry.states:
            status, text = "BAD", f"{cmd.name} is not allowed in the {self.state.value} state"
        else:
            try:
                text = await entry.run(self, cmd)
            except Answered:
                return
            except ImapError as error:
                status, text = error.status, error.text
            except LineTooLong:  # a continuation line (AUTHENTICATE) over its limit
                status, text = "BAD", "[TOOBIG] line too long"
            except (Bye, EOFError, ConnectionError, WriteTimeout, TimeoutError, ssl.SSLError):
                raise
            except Exception:  # noqa: BLE001 - answer and keep the connection
                log.exception("IMAP %s failed", cmd.name)
                status, text = "NO", "[SERVERBUG] internal error; the command was not completed"
        if self.selected is not None and not self.logged_out:
            await self.sync(expunges=cmd.name not in NO_EXPUNGE)
        if text is None:
            text = f"{cmd.name} completed"
        self.write(f"{cmd.tag} {status} {text}\r\n".encode())
        await self.flush()

    async def sync(self, *, expunges: bool = True) -> None:
        """Ask the selected state for its updates (errors are logged, not answered)."""
        selected = self.selected
        if selected is None:
            return
        try:
            await selected.sync(self, expunges=expunges)
        except (EOFError, ConnectionError, WriteTimeout, TimeoutError):
            raise
        except Exception:  # noqa: BLE001 - updates come again with the next sync
            log.exception("IMAP sync failed")


def _tagged(error: ImapError, tag: str) -> ImapError:
    error.tag = tag  # type: ignore[attr-defined]
    return error


# --- commands of any state ------------------------------------------------------------------


@command("CAPABILITY", states=ANY)
async def capability(session: Session, cmd: Command) -> None:
    cmd.args.end()
    session.untagged("CAPABILITY " + " ".join(session.capabilities()))


@command("NOOP", states=ANY)
async def noop(session: Session, cmd: Command) -> None:
    cmd.args.end()  # the sync after every command brings the updates


@command("CHECK", states=SELECTED)
async def check(session: Session, cmd: Command) -> None:
    cmd.args.end()  # IMAP4rev1: every change is already committed


@command("LOGOUT", states=ANY)
async def logout(session: Session, cmd: Command) -> None:
    cmd.args.end()
    session.untagged("BYE Qiyou IMAP logging out")
    session.selected = None
    session.logged_out = True


@command("ID", states=ANY)
async def id_(session: Session, cmd: Command) -> None:
    """RFC 2971: keep the client's name for the login history; tell ours."""
    value = cmd.args.next("ID parameters")
    cmd.args.end()
    if isinstance(value, list):
        if len(value) % 2 or len(value) > 60:
            raise Bad("ID takes pairs of field and value")
        fields: dict[str, str] = {}
        for key, val in zip(value[::2], value[1::2], strict=True):
            if not isinstance(key, parser.String):
                raise Bad("ID fields must be strings")
            text = val.text() if isinstance(val, parser.String) else ""
            fields[key.text().lower()[:30]] = text[:1024]
        session.client_id = fields
    elif not (isinstance(value, parser.Atom) and value.upper() == "NIL"):
        raise Bad("ID takes a list or NIL")
    session.untagged('ID ("name" "Qiyou" "vendor" "Qiyou")')


# --- commands after login -------------------------------------------------------------------


@command("ENABLE", states=AUTHENTICATED)
async def enable(session: Session, cmd: Command) -> None:
    """RFC 5161; QRESYNC implies CONDSTORE (RFC 7162 §3.2.3)."""
    if not cmd.args.more():
        raise Bad("ENABLE needs at least one extension")
    newly = []
    for value in cmd.args.rest():
        if not isinstance(value, parser.Atom):
            raise Bad("ENABLE takes capability names")
        name = value.upper()
        if name not in ENABLEABLE or name in session.enabled:
            continue
        if name == "QRESYNC" and session.selected is not None:
            raise Bad("enable QRESYNC before selecting a mailbox")
        session.enabled.add(name)
        newly.append("IMAP4rev2" if name == "IMAP4REV2" else name)
    if "QRESYNC" in session.enabled:
        session.enabled.add("CONDSTORE")
    session.untagged("ENABLED" + "".join(" " + name for name in newly))


@command("NAMESPACE", states=AUTHENTICATED)
async def namespace(session: Session, cmd: Command) -> None:
    cmd.args.end()
    session.untagged('NAMESPACE (("" "/")) NIL NIL')


@command("COMPRESS", states=AUTHENTICATED)
async def compress(session: Session, cmd: Command) -> None:
    """RFC 4978: the tagged OK goes uncompressed, everything after it deflated."""
    if cmd.args.keyword("mechanism") != "DEFLATE":
        raise No("[CANNOT] only DEFLATE is supported")
    cmd.args.end()
    if session.conn.compressed:
        raise No("[COMPRESSIONACTIVE] DEFLATE is already active")
    await session.sync()
    session.write(f"{cmd.tag} OK DEFLATE active\r\n".encode())
    await session.flush()
    session.conn.start_deflate()
    raise Answered


@command("IDLE", states=AUTHENTICATED)
async def idle(session: Session, cmd: Command) -> None:
    """RFC 2177: wait on the member's bus channel and on DONE; each wake-up syncs."""
    cmd.args.end()
    assert session.member is not None
    bus = session.runtime.bus
    subscription = bus.subscribe(session.member.id) if bus.connected else None
    async with subscription or contextlib.nullcontext() as events:
        await session.sync(expunges=True)
        session.write(b"+ idling\r\n")
        await session.flush()
        reading = asyncio.ensure_future(session.conn.read_line(MAX_LINE))
        waking: asyncio.Future | None = None
        try:
            while True:
                if waking is None and events is not None:
                    waking = asyncio.ensure_future(anext(events))
                waiting = {reading} | ({waking} if waking is not None else set())
                done, _ = await asyncio.wait(
                    waiting, timeout=session.idle_poll, return_when=asyncio.FIRST_COMPLETED
                )
                if reading in done:
                    break
                if waking is not None and waking in done:
                    if waking.exception() is not None:  # the bus went away: poll instead
                        events = None
                    waking = None
                elif not done:  # a quiet minute: keep NATs and firewalls from forgetting us
                    session.untagged("OK Still here")
                await session.check_login()
                await session.sync(expunges=True)
                await session.flush()
        finally:
            if waking is not None:
                waking.cancel()
            if not reading.done():
                reading.cancel()
        try:
            line = reading.result()
        except LineTooLong:
            raise Bad("expected DONE") from None
    if line.rstrip(b"\r\n").upper() != b"DONE":
        raise Bad("expected DONE")

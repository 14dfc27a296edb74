"""A hostile or broken old mail server for tests: real IMAP4rev1 and POP3 on loopback
(asyncio, in a thread of its own), with misbehaviours switched on per server, folder or
message.

IMAP: CAPABILITY, LOGIN, LIST/LSUB, SELECT/EXAMINE, UID SEARCH, UID FETCH (the listing
items UID RFC822.SIZE FLAGS INTERNALDATE, and BODY.PEEK[]), NOOP, CLOSE, LOGOUT (other
commands answer OK). POP3: USER/PASS, STAT, LIST, UIDL, RETR, DELE, NOOP, RSET, QUIT.

Misbehaviours:
- ``greeting``: what the server says first instead of ``* OK`` / ``+OK`` (a wrong greeting);
- a message's ``trick``: ``stall`` (sends half of it and then nothing), ``drop`` (closes the
  connection in the middle of it), ``huge`` (announces ``{2000000000}`` in IMAP, or sends
  lines without end in POP3, as fast as the client reads, up to ``HUGE_CAP``; the bytes the
  client took are in ``huge_sent``);
- ``size``: the size announced in the listing (``RFC822.SIZE``, POP3 ``LIST``) when it lies;
- folder names sent as given (invalid modified UTF-7 among them), and UIDs or UIDLs given
  to two messages at once.

    server = HostileServer({"old@x": Account("pw", [Folder("INBOX", [Message(raw)])])})
    server.start()  # server.imap_port, server.pop3_port
    ...
    server.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from dataclasses import dataclass, field

HUGE = 2_000_000_000  # the literal size announced by the ``huge`` trick
HUGE_CAP = 64 * 1024 * 1024  # bytes it sends at most
WAIT = 300.0  # seconds a stalled answer waits for the client to go away
INTERNALDATE = "02-Jan-2020 03:04:05 +0000"


@dataclass
class Message:
    raw: bytes
    uid: int = 0  # 0: its place in the folder (1, 2, ...)
    flags: str = ""  # IMAP flags, e.g. "\\Seen \\Flagged"
    uidl: str = ""  # POP3; "" gives "uidl-<uid>"
    trick: str = ""  # "", "stall", "drop" or "huge"
    size: int | None = None  # the size the listing announces (None: the true one)


@dataclass
class Folder:
    name: str  # as sent in LIST (in quotes, byte for byte)
    messages: list[Message] = field(default_factory=list)
    attributes: str = "\\HasNoChildren"

    def numbered(self) -> list[Message]:
        for n, message in enumerate(self.messages, start=1):
            message.uid = message.uid or n
            message.uidl = message.uidl or f"uidl-{message.uid}"
        return self.messages


@dataclass
class Account:
    password: str
    folders: list[Folder]


class HostileServer:
    def __init__(
        self,
        accounts: dict[str, Account],
        *,
        imap_greeting: bytes = b"* OK hostile IMAP4rev1 ready\r\n",
        pop3_greeting: bytes = b"+OK hostile POP3 ready\r\n",
    ) -> None:
        self.accounts = accounts
        self.imap_greeting = imap_greeting
        self.pop3_greeting = pop3_greeting
        self.imap_port = self.pop3_port = 0
        self.huge_sent = 0  # bytes of ``huge`` answers the clients took
        self.retrieved: list[str] = []  # "user folder uid" of each body sent in full
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []

    # lifecycle

    def start(self) -> HostileServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def serve() -> None:
                imap = await asyncio.start_server(self._imap, "127.0.0.1", 0)
                pop3 = await asyncio.start_server(self._pop3, "127.0.0.1", 0)
                self._servers = [imap, pop3]
                self.imap_port = imap.sockets[0].getsockname()[1]
                self.pop3_port = pop3.sockets[0].getsockname()[1]
                ready.set()

            loop.run_until_complete(serve())
            loop.run_forever()
            for server in self._servers:
                server.close()

            async def finish() -> None:  # sessions still open (a stalled one, say)
                pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

            loop.run_until_complete(finish())
            loop.close()

        self._thread = threading.Thread(target=run, name="hostile-mail", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # shared

    def _login(self, user: str, password: str) -> Account | None:
        account = self.accounts.get(user)
        return account if account is not None and account.password == password else None

    async def _huge(self, writer: asyncio.StreamWriter, piece: bytes) -> None:
        """Send ``piece`` again and again as fast as the client reads, up to HUGE_CAP."""
        sent = 0
        try:
            while sent < HUGE_CAP:
                writer.write(piece)
                await writer.drain()
                sent += len(piece)
                self.huge_sent += len(piece)
        except (ConnectionError, OSError):
            return
        writer.close()

    async def _stall(self, reader: asyncio.StreamReader) -> None:
        """Say nothing more until the client goes away."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(), WAIT)

    # IMAP

    async def _imap(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._imap_session(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _imap_session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(self.imap_greeting)
        await writer.drain()
        if not self.imap_greeting.startswith(b"* OK"):
            await self._stall(reader)
            return
        user, account, selected = "", None, None
        while True:
            line = await reader.readline()
            if not line:
                return
            words = _words(line.decode("utf-8", "replace").strip())
            if len(words) < 2:
                writer.write(b"* BAD what\r\n")
                continue
            tag, command, args = words[0], words[1].upper(), words[2:]
            if command == "UID" and args:
                command, args = "UID " + args[0].upper(), args[1:]
            ok = f"{tag} OK {command} done\r\n".encode()
            if command == "CAPABILITY":
                writer.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + ok)
            elif command == "LOGIN" and len(args) == 2:
                account = self._login(args[0], args[1])
                user = args[0]
                writer.write(ok if account else f"{tag} NO wrong login\r\n".encode())
            elif command == "LOGOUT":
                writer.write(b"* BYE bye\r\n" + ok)
                await writer.drain()
                return
            elif command in ("NOOP", "CHECK", "CLOSE"):
                writer.write(ok)
            elif account is None:
                writer.write(f"{tag} NO log in first\r\n".encode())
            elif command in ("LIST", "LSUB"):
                for f in account.folders:
                    writer.write(f'* {command} ({f.attributes}) "." "{f.name}"\r\n'.encode())
                writer.write(ok)
            elif command in ("SELECT", "EXAMINE") and args:
                selected = next((f for f in account.folders if f.name == args[0]), None)
                if selected is None:
                    writer.write(f"{tag} NO no such folder\r\n".encode())
                else:
                    count = len(selected.numbered())
                    writer.write(
                        f"* {count} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n"
                        "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n".encode()
                        + f"{tag} OK [READ-ONLY] {command} done\r\n".encode()
                    )
            elif command == "UID SEARCH" and selected is not None:
                uids = " ".join(str(m.uid) for m in selected.numbered())
                writer.write(f"* SEARCH {uids}\r\n".encode() + ok)
            elif command == "UID FETCH" and selected is not None and len(args) >= 2:
                items = " ".join(args[1:]).upper()
                wanted = _uid_set(args[0])
                chosen = [(n, m) for n, m in enumerate(selected.numbered(), 1) if wanted(m.uid)]
                if "BODY" not in items and "RFC822)" not in items:
                    for n, m in chosen:
                        size = len(m.raw) if m.size is None else m.size
                        writer.write(
                            f"* {n} FETCH (UID {m.uid} RFC822.SIZE {size} FLAGS ({m.flags})"
                            f' INTERNALDATE "{INTERNALDATE}")\r\n'.encode()
                        )
                    writer.write(ok)
                elif chosen:
                    n, m = chosen[0]  # a repeated UID: the first one's body
                    head = f"* {n} FETCH (UID {m.uid} BODY[] "
                    if m.trick == "huge":
                        writer.write(f"{head}{{{HUGE}}}\r\n".encode())
                        await self._huge(writer, b"x" * 65536)
                        return
                    writer.write(f"{head}{{{len(m.raw)}}}\r\n".encode())
                    if m.trick in ("stall", "drop"):
                        writer.write(m.raw[: len(m.raw) // 2])
                        await writer.drain()
                        if m.trick == "stall":
                            await self._stall(reader)
                        return
                    writer.write(m.raw + b")\r\n" + ok)
                    self.retrieved.append(f"{user} {selected.name} {m.uid}")
                else:
                    writer.write(ok)
            else:
                writer.write(ok)
            await writer.drain()

    # POP3

    async def _pop3(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._pop3_session(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _pop3_session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(self.pop3_greeting)
        await writer.drain()
        if not self.pop3_greeting.startswith(b"+OK"):
            await self._stall(reader)
            return
        user, messages = "", None
        while True:
            line = await reader.readline()
            if not line:
                return
            command, _, arg = line.decode("utf-8", "replace").strip().partition(" ")
            command = command.upper()
            if command == "USER":
                user = arg
                writer.write(b"+OK\r\n")
            elif command == "PASS":
                account = self._login(user, arg)
                if account is None:
                    writer.write(b"-ERR wrong login\r\n")
                else:
                    inbox = next(f for f in account.folders if f.name.upper() == "INBOX")
                    messages = inbox.numbered()
                    writer.write(b"+OK logged in\r\n")
            elif command == "QUIT":
                writer.write(b"+OK bye\r\n")
                await writer.drain()
                return
            elif command in ("NOOP", "RSET", "DELE"):
                writer.write(b"+OK\r\n")
            elif messages is None:
                writer.write(b"-ERR log in first\r\n")
            elif command == "STAT":
                total = sum(len(m.raw) for m in messages)
                writer.write(f"+OK {len(messages)} {total}\r\n".encode())
            elif command in ("LIST", "UIDL") and not arg:
                writer.write(b"+OK\r\n")
                for n, m in enumerate(messages, start=1):
                    size = len(m.raw) if m.size is None else m.size
                    value = m.uidl if command == "UIDL" else str(size)
                    writer.write(f"{n} {value}\r\n".encode())
                writer.write(b".\r\n")
            elif command == "RETR" and arg.isdigit() and 0 < int(arg) <= len(messages):
                m = messages[int(arg) - 1]
                if m.trick == "huge":
                    writer.write(b"+OK a lot\r\n")
                    await self._huge(writer, b"x" * 76 + b"\r\n")
                    return
                body = re.sub(rb"(?m)^\.", b"..", m.raw)
                if m.trick in ("stall", "drop"):
                    writer.write(b"+OK\r\n" + body[: len(body) // 2])
                    await writer.drain()
                    if m.trick == "stall":
                        await self._stall(reader)
                    return
                ending = b"" if body.endswith(b"\r\n") else b"\r\n"
                writer.write(b"+OK\r\n" + body + ending + b".\r\n")
                self.retrieved.append(f"{user} INBOX {m.uid}")
            else:
                writer.write(b"-ERR not here\r\n")
            await writer.drain()


def _words(line: str) -> list[str]:
    """An IMAP command's words: atoms, and quoted strings unquoted."""
    return [
        re.sub(r"\\(.)", r"\1", quoted) if quoted or atom == "" else atom
        for quoted, atom in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', line)
    ]


def _uid_set(text: str):  # noqa: ANN202 - a predicate
    """``1:*``, ``5``, ``3,7:9`` as a test of a UID."""
    ranges = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        lo = 0 if low == "*" else int(low)
        hi = lo if not high else (10**12 if high == "*" else int(high))
        ranges.append((min(lo, hi), max(lo, hi)))
    return lambda uid: any(lo <= uid <= hi for lo, hi in ranges)

"""Talking to the external server: IMAP (stdlib ``imaplib``) or POP3 (``poplib``), blocking,
so every call runs in a thread (``asyncio.to_thread``). Each socket read and write has the
account's timeout, so a server that stalls mid-answer ends the session with ``TIMEOUT``
instead of holding a worker. Failures become ``FetchError``s with a code a member can act
on (wrong password, no connection, TLS failure, timeout).

Bad input from a hostile or broken server is bounded: a literal (IMAP) announced larger
than the message size limit (plus ``SLACK``) is refused before a byte of it is read, and a
POP3 RETR stops reading past the limit; either leaves the message ``Unfetchable`` and the
session broken (``mailcore/fetch/link.py`` opens a new one and goes on with the rest).
Folder names must be valid modified UTF-7 (``valid_utf7``); a UID or UIDL the server
repeats is taken once and counted (``repeated``).

A message is named by a stable key: ``UIDVALIDITY:UID`` in its IMAP folder, or its POP3
UIDL. Nothing here touches storage (``mailcore/fetch/fetcher.py`` does).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import imaplib
import ipaddress
import poplib
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime

from mailcore.core.config import Settings
from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.fetch.errors import FetchError, FetchErrorCode

INBOX = "INBOX"
_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_MODIFIED_BASE64 = re.compile(r"[A-Za-z0-9+,]+")
SLACK = 64 * 1024  # bytes a literal may exceed the message size limit by (a FETCH's framing)
LINE = 1024 * 1024  # a POP3 line longer than this is read in pieces
SPECIAL_USE = ("\\sent", "\\drafts", "\\trash", "\\junk", "\\archive")  # RFC 6154


@dataclass(frozen=True)
class Endpoint:
    protocol: ExternalProtocol
    host: str
    port: int
    security: ExternalSecurity
    username: str
    password: str
    timeout: float = 60.0
    private_hosts: bool = False  # may the host be a loopback or private address
    # IMAP: log in as ``username`` with this administrator's (master user's) password, by
    # SASL PLAIN with ``username`` as the authorization identity (RFC 4616; Dovecot, Cyrus)
    master_user: str = ""
    max_size: int = 0  # bytes of the largest message taken (0: no limit)


def endpoint(
    settings: Settings,
    *,
    protocol: ExternalProtocol,
    host: str,
    port: int,
    security: ExternalSecurity,
    username: str,
    password: str,
    master_user: str = "",
) -> Endpoint:
    """An endpoint with the settings' timeout, private-host rule and size limit (the one way
    the fetcher and the migration mover reach an old server)."""
    return Endpoint(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        timeout=settings.fetch_timeout,
        private_hosts=settings.fetch_private_hosts,
        master_user=master_user,
        max_size=settings.max_message_size,
    )


class Unfetchable(Exception):  # noqa: N818 - a state of one message, not of the session
    """This one message cannot be taken (the reason is its text); the session it was read
    on is broken and must be opened again."""


@dataclass(frozen=True)
class RemoteFolder:
    name: str  # as the server names it (modified UTF-7 for IMAP), "" for POP3
    path: tuple[str, ...]  # its decoded path, INBOX: ()
    special: str = ""  # its SPECIAL-USE attribute (RFC 6154) lower-cased, e.g. "\\sent"


@dataclass(frozen=True)
class RemoteMessage:
    folder: str
    key: str  # UIDVALIDITY:UID or UIDL
    ref: str  # the UID or the POP3 message number, for this session
    size: int
    seen: bool = False
    flagged: bool = False
    answered: bool = False
    draft: bool = False
    keywords: str = ""  # other IMAP flags, space-separated ($Forwarded, $Label1, ...)
    internal_date: datetime | None = None  # IMAP INTERNALDATE (when the server received it)


def _error(exc: BaseException) -> FetchError:
    """The member-facing error of a failure talking to the server."""
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return FetchError(FetchErrorCode.TLS_FAILED, f"TLS failed: {exc}", "security")
    if isinstance(exc, TimeoutError | socket.timeout):
        return FetchError(FetchErrorCode.TIMEOUT, "the server did not answer in time", "host")
    if isinstance(exc, socket.gaierror):
        return FetchError(FetchErrorCode.CONNECT_FAILED, f"no such host: {exc}", "host")
    if isinstance(exc, EOFError) or (isinstance(exc, imaplib.IMAP4.abort) and "EOF" in str(exc)):
        return FetchError(FetchErrorCode.CONNECT_FAILED, "the server closed the connection", "host")
    if isinstance(exc, OSError):
        return FetchError(FetchErrorCode.CONNECT_FAILED, f"cannot connect: {exc}", "host")
    return FetchError(FetchErrorCode.PROTOCOL, f"the server answered badly: {exc}", "host")


def check_host(host: str, port: int, private_hosts: bool) -> None:
    """Refuse loopback, private and link-local addresses unless the settings allow them
    (a member must not make the server probe its own network)."""
    if private_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _error(exc) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise FetchError(FetchErrorCode.INVALID, "this host is on a private network", "host")


def decode_utf7(name: str) -> str:
    """An IMAP folder name in modified UTF-7 (RFC 3501 §5.1.3); undecodable stays as given."""
    out, i = [], 0
    while i < len(name):
        end = name.find("-", i + 1) if name[i] == "&" else -1
        if name[i] != "&" or end < 0:
            out.append(name[i])
            i += 1
            continue
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            try:
                data = base64.b64decode(
                    chunk.replace(",", "/") + "=" * (-len(chunk) % 4), validate=True
                )
                out.append(data.decode("utf-16-be"))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return name
        i = end + 1
    return "".join(out)


def valid_utf7(name: str) -> bool:
    """Whether an IMAP folder name is valid modified UTF-7 (RFC 3501 §5.1.3): printable
    US-ASCII, each ``&...-`` shift canonical modified BASE64 of UTF-16 that is not itself
    printable ASCII."""
    i = 0
    while i < len(name):
        if not " " <= name[i] <= "~":
            return False
        if name[i] != "&":
            i += 1
            continue
        end = name.find("-", i + 1)
        if end < 0:
            return False
        chunk = name[i + 1 : end]
        if chunk:
            if not _MODIFIED_BASE64.fullmatch(chunk):
                return False
            try:
                data = base64.b64decode(
                    chunk.replace(",", "/") + "=" * (-len(chunk) % 4), validate=True
                )
                text = data.decode("utf-16-be")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return False
            again = base64.b64encode(text.encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            if again.decode() != chunk or any(" " <= c <= "~" for c in text):
                return False
        i = end + 1
    return True


class _BoundedImap(imaplib.IMAP4):
    """``imaplib.IMAP4`` refusing a literal announced larger than ``max_literal`` before
    reading it (CPython allocates the whole announced size at once)."""

    def __init__(self, *args: object, max_literal: int = 0, **kwargs: object) -> None:
        self.max_literal = max_literal
        self.refused_literal = 0
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def read(self, size: int) -> bytes:
        if self.max_literal and size > self.max_literal:
            self.refused_literal = size
            raise self.abort(f"the server announced a literal of {size} bytes")
        return super().read(size)


class _BoundedImapSsl(_BoundedImap, imaplib.IMAP4_SSL):
    pass


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(text: bytes) -> str:
    value = text.decode("utf-8", "replace").strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


class ImapSession:
    def __init__(self, endpoint: Endpoint, context: ssl.SSLContext) -> None:
        e = endpoint
        self.max_size = e.max_size
        bound = e.max_size + SLACK if e.max_size else 0
        self.repeated = 0  # UIDs the last listing repeated (taken once)
        if e.security is ExternalSecurity.TLS:
            self.imap: _BoundedImap = _BoundedImapSsl(
                e.host, e.port, ssl_context=context, timeout=e.timeout, max_literal=bound
            )
        else:
            self.imap = _BoundedImap(e.host, e.port, timeout=e.timeout, max_literal=bound)
            if e.security is ExternalSecurity.STARTTLS:
                self.imap.starttls(context)
        try:
            if e.master_user:
                secret = f"{e.username}\0{e.master_user}\0{e.password}".encode()
                self.imap.authenticate("PLAIN", lambda _: secret)
            else:
                self.imap.login(e.username, e.password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise FetchError(
                FetchErrorCode.LOGIN_FAILED, f"login refused: {_text(exc)}", "password"
            ) from None
        if "ID" in self.imap.capabilities:  # RFC 2971; 163.com refuses SELECT without it
            self.imap.xatom("ID", '("name" "Qiyou" "vendor" "Qiyou")')
        self.writable = False

    def folders(self) -> list[RemoteFolder]:
        status, lines = self.imap.list()
        _ok(status, lines)
        folders = []
        for line in lines:
            if isinstance(line, tuple):  # a name sent as a literal
                head, literal = line[0], line[1]
                match = _LIST.match(head.rstrip(b"{0123456789}").rstrip() + b" x")
                name = literal.decode("utf-8", "replace")
            else:
                match = _LIST.match(line or b"")
                name = _unquote(match.group("name")) if match else ""
            if not match or not name or b"\\noselect" in match.group("flags").lower():
                continue
            delim = _unquote(match.group("delim")) if match.group("delim") != b"NIL" else ""
            if name.upper() == INBOX:
                folders.append(RemoteFolder(INBOX, ()))
                continue
            parts = name.split(delim) if delim else [name]
            attributes = match.group("flags").decode("ascii", "replace").lower().split()
            special = next((a for a in attributes if a in SPECIAL_USE), "")
            path = tuple(decode_utf7(p) for p in parts if p)
            folders.append(RemoteFolder(name, path, special))
        return folders

    def messages(self, folder: str, writable: bool) -> list[RemoteMessage]:
        status, data = self.imap.select(_quote(folder), readonly=not writable)
        _ok(status, data)
        self.writable = writable
        exists = int(data[0] or 0) if data and data[0] else 0
        _, validity = self.imap.response("UIDVALIDITY")
        uidvalidity = (validity[0] or b"0").decode() if validity and validity[0] else "0"
        if not exists:
            return []
        status, lines = self.imap.uid("FETCH", "1:*", "(UID RFC822.SIZE FLAGS INTERNALDATE)")
        _ok(status, lines)
        out = []
        for line in lines:
            text = line[0] if isinstance(line, tuple) else line
            uid, size = _UID.search(text or b""), _SIZE.search(text or b"")
            if not uid:
                continue
            flags = _FLAGS.search(text)
            words = set((flags.group(1) if flags else b"").lower().split())
            given = (flags.group(1) if flags else b"").split()
            keywords = [w.decode("ascii", "replace") for w in given if not w.startswith(b"\\")]
            out.append(
                RemoteMessage(
                    folder=folder,
                    key=f"{uidvalidity}:{int(uid.group(1))}",
                    ref=uid.group(1).decode(),
                    size=int(size.group(1)) if size else 0,
                    seen=b"\\seen" in words,
                    flagged=b"\\flagged" in words,
                    answered=b"\\answered" in words,
                    draft=b"\\draft" in words,
                    keywords=" ".join(sorted(keywords)),
                    internal_date=_internal_date(text),
                )
            )
        once = list({m.key: m for m in reversed(out)}.values())[::-1]  # a repeated UID: once
        self.repeated = len(out) - len(once)
        return once

    def retrieve(self, message: RemoteMessage) -> bytes | None:
        """The raw message (BODY.PEEK: its \\Seen stays as it was); None if it is gone.
        Raises ``Unfetchable`` when the server announces it larger than the limit."""
        try:
            status, data = self.imap.uid("FETCH", message.ref, "(BODY.PEEK[])")
        except imaplib.IMAP4.abort:
            if self.imap.refused_literal:
                size, self.imap.refused_literal = self.imap.refused_literal, 0
                raise Unfetchable(
                    f"the server sends it as {size} bytes, larger than {self.max_size} bytes"
                ) from None
            raise
        _ok(status, data)
        for part in data:
            if isinstance(part, tuple) and len(part) == 2:
                return part[1]
        return None

    def delete(self, folder: str, messages: list[RemoteMessage]) -> None:
        """Delete messages of the folder last listed (listed writable)."""
        if not messages or not self.writable:
            return
        uids = ",".join(m.ref for m in messages)
        status, data = self.imap.uid("STORE", uids, "+FLAGS.SILENT", "(\\Deleted)")
        _ok(status, data)
        if "UIDPLUS" in self.imap.capabilities:
            status, data = self.imap.uid("EXPUNGE", uids)
        else:
            status, data = self.imap.expunge()
        _ok(status, data)

    def close(self) -> None:
        try:
            self.imap.logout()
        except Exception:  # noqa: BLE001 - the session is over either way
            self.abort()

    def abort(self) -> None:
        """Drop the connection now (from any thread)."""
        _drop(self.imap.sock)


class Pop3Session:
    def __init__(self, endpoint: Endpoint, context: ssl.SSLContext) -> None:
        e = endpoint
        if e.master_user:
            raise FetchError(FetchErrorCode.INVALID, "a master user logs in over IMAP only", "host")
        self.max_size = e.max_size
        self.repeated = 0  # UIDLs the last listing repeated (taken once)
        if e.security is ExternalSecurity.TLS:
            self.pop: poplib.POP3 = poplib.POP3_SSL(
                e.host, e.port, context=context, timeout=e.timeout
            )
        else:
            self.pop = poplib.POP3(e.host, e.port, timeout=e.timeout)
            if e.security is ExternalSecurity.STARTTLS:
                self.pop.stls(context)
        try:
            self.pop.user(e.username)
            self.pop.pass_(e.password)
        except poplib.error_proto as exc:
            raise FetchError(
                FetchErrorCode.LOGIN_FAILED, f"login refused: {_text(exc)}", "password"
            ) from None

    def folders(self) -> list[RemoteFolder]:
        return [RemoteFolder("", ())]

    def messages(self, folder: str, writable: bool) -> list[RemoteMessage]:
        _, uidls, _ = self.pop.uidl()
        _, sizes, _ = self.pop.list()
        size_of = {}
        for line in sizes:
            number, _, size = line.partition(b" ")
            if number.isdigit() and size.strip().isdigit():
                size_of[number] = int(size)
        out: dict[str, RemoteMessage] = {}
        self.repeated = 0
        for line in uidls:
            number, _, uidl = line.partition(b" ")
            key = uidl.strip().decode("ascii", "replace")
            if number.isdigit() and key and key in out:
                self.repeated += 1
            elif number.isdigit() and key:
                out[key] = RemoteMessage("", key, number.decode(), size_of.get(number, 0))
        return list(out.values())

    def retrieve(self, message: RemoteMessage) -> bytes | None:
        """RETR, read line by line and given up past the size limit (``Unfetchable``)."""
        self.pop._putcmd(f"RETR {int(message.ref)}")  # noqa: SLF001 - poplib reads it whole
        self.pop._getresp()  # noqa: SLF001 - raises on -ERR
        lines, total, piece = [], 0, b""
        while True:
            chunk = self.pop.file.readline(LINE)
            if not chunk:
                raise EOFError("the server closed the connection")
            total += len(chunk)
            if self.max_size and total > self.max_size + SLACK:
                raise Unfetchable(f"the server sends it larger than {self.max_size} bytes")
            if not chunk.endswith(b"\n"):
                piece += chunk  # a line longer than LINE: read on
                continue
            line, piece = (piece + chunk).rstrip(b"\r\n"), b""
            if line == b".":
                return b"\r\n".join(lines) + b"\r\n"
            lines.append(line[1:] if line.startswith(b"..") else line)

    def delete(self, folder: str, messages: list[RemoteMessage]) -> None:
        for message in messages:  # marked now, gone at QUIT
            self.pop.dele(int(message.ref))

    def close(self) -> None:
        try:
            self.pop.quit()
        except Exception:  # noqa: BLE001 - the session is over either way
            self.abort()

    def abort(self) -> None:
        """Drop the connection now (from any thread); marked deletions are not done."""
        _drop(self.pop.sock)


Session = ImapSession | Pop3Session


def connect(endpoint: Endpoint, context: ssl.SSLContext | None = None) -> Session:
    """A logged-in session (blocking: call in a thread)."""
    check_host(endpoint.host, endpoint.port, endpoint.private_hosts)
    context = context or ssl.create_default_context()
    try:
        if endpoint.protocol is ExternalProtocol.IMAP:
            return ImapSession(endpoint, context)
        return Pop3Session(endpoint, context)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a typed error
        raise _error(exc) from None


def call(session: Session, method: str, *args: object) -> object:
    """``getattr(session, method)(*args)``, its failures as ``FetchError``s."""
    try:
        return getattr(session, method)(*args)
    except Unfetchable:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a typed error
        raise _error(exc) from None


async def open_session(endpoint: Endpoint) -> Session:
    """A logged-in session, opened in a thread (``FetchError`` when it cannot be)."""
    return await asyncio.to_thread(connect, endpoint)


def check_login(endpoint: Endpoint) -> None:
    """Log in and out, or raise the typed error of why not."""
    session = connect(endpoint)
    session.close()


def _drop(sock: socket.socket | None) -> None:
    """Shut the socket down (a thread blocked reading it wakes up) and close it."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _internal_date(text: bytes) -> datetime | None:
    match = _INTERNALDATE.search(text)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _ok(status: str, data: object) -> None:
    if status != "OK":
        raise FetchError(FetchErrorCode.PROTOCOL, f"the server answered {status}: {data!r:.200}")


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    return (arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg))[:300]

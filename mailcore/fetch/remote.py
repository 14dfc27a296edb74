"""Talking to the external server: IMAP (stdlib ``imaplib``) or POP3 (``poplib``), blocking,
so every call runs in a thread (``asyncio.to_thread``). Each socket read and write has the
account's timeout, so a server that stalls mid-answer ends the session with ``TIMEOUT``
instead of holding a worker. Failures become ``FetchError``s with a code a member can act
on (wrong password, no connection, TLS failure, timeout).

A message is named by a stable key: ``UIDVALIDITY:UID`` in its IMAP folder, or its POP3
UIDL. Nothing here touches storage (``mailcore/fetch/fetcher.py`` does).
"""

from __future__ import annotations

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

from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.fetch.errors import FetchError, FetchErrorCode

INBOX = "INBOX"
_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
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
    if isinstance(exc, OSError | EOFError):
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
        if e.security is ExternalSecurity.TLS:
            self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                e.host, e.port, ssl_context=context, timeout=e.timeout
            )
        else:
            self.imap = imaplib.IMAP4(e.host, e.port, timeout=e.timeout)
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
        return list({m.key: m for m in out}.values())  # a server repeating a UID: once

    def retrieve(self, message: RemoteMessage) -> bytes | None:
        """The raw message (BODY.PEEK: its \\Seen stays as it was); None if it is gone."""
        status, data = self.imap.uid("FETCH", message.ref, "(BODY.PEEK[])")
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
        for line in uidls:
            number, _, uidl = line.partition(b" ")
            key = uidl.strip().decode("ascii", "replace")
            if number.isdigit() and key and key not in out:
                out[key] = RemoteMessage("", key, number.decode(), size_of.get(number, 0))
        return list(out.values())

    def retrieve(self, message: RemoteMessage) -> bytes | None:
        _, lines, _ = self.pop.retr(int(message.ref))
        return b"\r\n".join(lines) + b"\r\n"

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
    except Exception as exc:  # noqa: BLE001 - every failure becomes a typed error
        raise _error(exc) from None


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

"""aiosmtpd's SMTP protocol with a faster DATA reader and address parser.

aiosmtpd reads DATA one line at a time: a 20 KB mail in base64 is ~270 ``readuntil``
calls, each with its own bookkeeping, on the event loop. ``QiyouSMTP`` reads up to each
``.<CRLF>`` instead (every end-of-data line ends so; other lines rarely do), then undoes
the dot-stuffing in one pass. The rest of the command is aiosmtpd's: the same checks
before the 354, the same replies (552 once the whole oversized message has been read),
the same ``handle_DATA`` hook and state reset after it.

Over-long lines are accepted (as Postfix does) as long as the message fits the size limit.

aiosmtpd parses the address of each MAIL and RCPT with the email package's header parser
and defines a class on every call (~170 µs). A plain ``<dot-atom@domain>`` is taken as is
(the same address and rest); anything else (quoted local parts, address literals, UTF-8,
comments, the null sender) still goes to aiosmtpd's parser. A MAIL or RCPT argument with a
control character (NUL, bare CR, ESC, DEL ...; a tab only separates) is refused with 501
before any parser sees it.

Connections are counted by the listener's ``ConnectionLimits`` (mailcore/core/net/limits.py):
over a limit the client reads a 421 and the connection closes. An open connection is
*idle* (may be closed to make room, with a 421) until its MAIL is accepted, and again after
its message. Timeouts: the command timeout (aiosmtpd's ``timeout``) between commands,
shortened to ``stress_timeout`` while the listener is under stress for a client that has
neither sent a message nor logged in; during DATA the ``data_timeout`` counts silence (a
slow upload that keeps coming is not cut). Every timeout says 421 before it closes.

The MX has no AUTH mechanism; aiosmtpd would still list an empty ``250-AUTH`` after
STARTTLS, which QiyouSMTP leaves out. Control characters that aiosmtpd echoes back from a
command (an unknown verb, a VRFY argument) are replaced with ``?`` in the reply.

Standards aiosmtpd lacks (docs/smtp.md): EHLO also lists PIPELINING (commands were always
read from one stream), ENHANCEDSTATUSCODES (every reply but the greeting and the HELO/EHLO
answers gets one: ``enhanced.with_status``), CHUNKING (``BDAT``, RFC 3030, here) and, where
``dsn`` is set, DSN: the RFC 3461 parameters are taken out of MAIL and RCPT before aiosmtpd
reads them (it upper-cases every parameter, which would spoil ENVID and ORCPT) and kept on
the envelope (``qiyou_dsn``). ``implicit_tls``: the listener's sockets are TLS from the first
byte (port 465), which counts as STARTTLS done.

Behind a TCP load balancer (docs/proxy-protocol.md), a connection from a
``QIYOU_PROXY_PROTOCOL_FROM`` address starts with a PROXY header, which aiosmtpd reads
before its greeting: the client it names is the session's peer from then on (also after
STARTTLS) and is what the connection limits count; on the implicit-TLS port the protocol
starts TLS itself after the header (``tls_first``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import ssl
import time
from asyncio import sslproto

from aiosmtpd.smtp import MISSING, SMTP, Envelope

from mailcore.core import metrics
from mailcore.core.net.limits import ConnectionLimits, Lease, Refusal, peer_ip
from mailcore.core.net.proxy import HEADER_TIMEOUT, ProxyTrust, claimed_peer, feed
from mailcore.delivery.dsn_params import (
    MAIL_PARAMS,
    RCPT_PARAMS,
    DsnSyntaxError,
    mail_params,
    rcpt_params,
    split_params,
)
from mailcore.protocols.smtp import fastinit, replies
from mailcore.protocols.smtp.enhanced import with_status
from mailcore.store.request import Dsn

log = logging.getLogger(__name__)

_END = b".\r\n"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_REPLY_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # and undecodable bytes
_EMPTY_AUTH = "250-AUTH "
_BDAT = re.compile(r"([0-9]{1,18})(?:[ \t]+(LAST))?", re.IGNORECASE | re.ASCII)
_READ_PIECE = 1 << 20  # a BDAT chunk is read (or skipped) in pieces of at most this
EXTENSIONS = ("PIPELINING", "ENHANCEDSTATUSCODES", "CHUNKING")
BDAT_SYNTAX = "501 5.5.4 Syntax: BDAT chunk-size [LAST]"
BDAT_AFTER_REFUSAL = "503 5.5.1 This message was refused already: send RSET"
DATA_AFTER_BDAT = "503 5.5.1 DATA may not follow BDAT in one transaction"


def envelope_dsn(envelope: Envelope) -> Dsn:
    """The DSN parameters given for this transaction (empty ones if none)."""
    return getattr(envelope, "qiyou_dsn", None) or Dsn()


class QiyouSMTP(SMTP):
    def __init__(
        self,
        handler,
        *,
        data_size_limit: int,
        limits: ConnectionLimits | None = None,
        data_timeout: float = 300.0,
        stress_timeout: float = 10.0,
        dsn: bool = False,
        implicit_tls: bool = False,
        proxy_from: ProxyTrust | None = None,
        tls_first: ssl.SSLContext | None = None,
        listener: str = "mx",
        **kwargs,
    ) -> None:
        # The stream limit bounds how much one readuntil buffers: the size limit (+ CRLF);
        # without one, aiosmtpd's default (the DATA reader takes longer stretches in parts).
        if data_size_limit:
            self.line_length_limit = data_size_limit + 2
        self.limits = limits
        self.lease: Lease | None = None
        self.refused = False  # over a limit: told so and closed, no session at all
        self.data_timeout = data_timeout
        self.stress_timeout = stress_timeout
        self.delivered = False  # a message was accepted on this connection
        self._in_data = False  # from the 354 to the reply after the message
        self._last_read = 0.0
        self.dsn = dsn  # advertise DSN and take its parameters
        self.implicit_tls = implicit_tls
        self.proxy_from = proxy_from  # peers whose PROXY header names the client
        self._awaiting_proxy = False  # a trusted peer's header is awaited: not admitted yet
        self.claimed_peer: tuple[str, int] | None = None  # the client a PROXY header named
        self.tls_first = tls_first  # implicit TLS this protocol starts (after a PROXY header)
        self.listener = listener  # "mx" or "submission": the label of its metrics
        self._ingest_seconds = metrics.SMTP_INGEST_SECONDS.labels(listener)
        self._reply = ""  # the last reply pushed (counted after RCPT)
        self._greeted = False
        self._hello = False  # answering HELO or EHLO (RFC 2034: no enhanced codes there)
        self._chunks: bytearray | None = None  # the BDAT chunks of this message so far
        self._chunks_refused = False  # a chunk was refused: the rest of the message too
        # aiosmtpd keeps these limits on the class (every connection's EHLO adds to them).
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self._batch: list[bytes] | None = None  # replies gathered into one write (EHLO)
        fastinit.init(self, handler, set(vars(self)), data_size_limit=data_size_limit, **kwargs)

    # Connection limits

    def connection_made(self, transport) -> None:
        if self.transport is None and self._before_session(transport):
            return  # TLS first: here again once the handshake is done
        if self.limits is not None and self.lease is None and not self._awaiting_proxy:
            admitted = self.limits.admit(peer_ip(transport))
            if isinstance(admitted, Refusal):
                self.refused = True
                reply = (
                    replies.TOO_MANY_FROM_IP
                    if admitted is Refusal.PER_IP
                    else replies.TOO_MANY_CONNECTIONS
                )
                transport.write(reply.format(hostname=self.hostname).encode() + b"\r\n")
                transport.close()
                return
            self.lease = admitted
            admitted.on_evict = self._evicted
        super().connection_made(transport)
        if self.claimed_peer is not None and self.session is not None:  # also after STARTTLS
            self.session.peer = self.claimed_peer
        implicit = self.implicit_tls and not self._awaiting_proxy  # else TLS comes after it
        if implicit and self._tls_protocol is None and self.session is not None:
            # TLS from the first byte: what aiosmtpd checks for STARTTLS done (AUTH allowed,
            # no STARTTLS offered) and what handlers read (``session.ssl``).
            self._tls_protocol = getattr(transport, "_ssl_protocol", None) or transport
            self.session.ssl = getattr(self._tls_protocol, "_extra", None) or {"tls": True}

    def _before_session(self, transport) -> bool:
        """A new connection. A trusted balancer's owes a PROXY header (aiosmtpd reads it
        before its greeting, then calls ``_proxy_header``); anyone else's starts TLS now on
        a listener with ``tls_first`` (True: the session waits for the handshake)."""
        if self.proxy_from and self.proxy_from.trusts(peer_ip(transport)):
            self._awaiting_proxy = True
            self._proxy_timeout = HEADER_TIMEOUT
            self._handle_hooks["PROXY"] = self._proxy_header
            return False
        if self.tls_first is not None:
            self._begin_tls(transport)
            self.tls_first = None  # started: connection_made comes again, over TLS
            return True
        return False

    def _begin_tls(self, transport, waiter=None) -> sslproto.SSLProtocol:
        assert self.tls_first is not None
        tls = sslproto.SSLProtocol(
            self.loop,
            self,
            self.tls_first,
            waiter,
            server_side=True,
            ssl_handshake_timeout=self._timeout_duration,
        )
        transport.set_protocol(tls)
        tls.connection_made(transport)
        return tls

    async def _proxy_header(self, server, session, envelope, data) -> bool:
        """A trusted balancer's PROXY header (mailcore/core/net/proxy.py): the client it names
        is the peer from now on, and is counted by the connection limits."""
        self._awaiting_proxy = False
        self.claimed_peer = claimed_peer(data)
        if self.claimed_peer is not None:
            session.peer = self.claimed_peer
        if self.limits is not None:
            ip = self.claimed_peer[0] if self.claimed_peer else peer_ip(self.transport)
            admitted = self.limits.admit(ip)
            if isinstance(admitted, Refusal):
                reply = (
                    replies.TOO_MANY_FROM_IP
                    if admitted is Refusal.PER_IP
                    else replies.TOO_MANY_CONNECTIONS
                )
                await self.push(reply.format(hostname=self.hostname))
                return False
            self.lease = admitted
            admitted.on_evict = self._evicted
        return self.tls_first is None or await self._tls_after_header()

    async def _tls_after_header(self) -> bool:
        """Implicit TLS behind the balancer: the handshake follows the PROXY header (as
        STARTTLS does, without its 220); bytes read past the header are the handshake's."""
        waiter = self.loop.create_future()
        early = bytes(self._reader._buffer)  # type: ignore[attr-defined]
        self._reader._buffer.clear()  # type: ignore[attr-defined]
        self._original_transport = self.transport
        self._tls_protocol = tls = self._begin_tls(self.transport, waiter)
        self.transport = tls._app_transport
        feed(tls, early)
        try:
            await waiter
        except Exception as exc:  # noqa: BLE001 - a failed handshake ends the connection
            log.info("%r TLS handshake failed: %s", self.claimed_peer, exc)
            if self.lease is not None:
                self.lease.close()
            self._original_transport.close()
            return False
        return True

    def connection_lost(self, error: Exception | None) -> None:
        if self.refused:
            return
        try:
            super().connection_lost(error)
        finally:
            if self.lease is not None:
                self.lease.close()

    def eof_received(self) -> bool | None:
        """The client closed: close too. aiosmtpd cancels the session and keeps the socket
        half-open; a session cancelled before its greeting never closed it (a place and a
        descriptor held until the timeout)."""
        if not self.refused:
            super().eof_received()
        return False

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self._in_data:
            self._last_read = self.loop.time()
        super().data_received(data)

    def _evicted(self) -> None:
        """The listener is full and this connection idled the longest: make room."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(replies.IDLE_CLOSED.format(hostname=self.hostname).encode())
            self.transport.write(b"\r\n")
            self.transport.close()

    def _set_post_data_state(self) -> None:
        super()._set_post_data_state()  # also after RSET, EHLO and STARTTLS
        self._chunks = None
        self._chunks_refused = False
        if self.lease is not None:
            self.lease.idle()

    # Timeouts

    def _reset_timeout(self, duration: float | None = None) -> None:
        """Called on connect and before each command: the client is active now."""
        if duration is None:
            duration = self._timeout_duration
            settled = self.delivered or (self.session is not None and self.session.authenticated)
            if not settled and self.limits is not None and self.limits.stressed:
                duration = min(duration, self.stress_timeout)
        if self.lease is not None and self.lease.idle_since is not None:
            self.lease.idle()
        super()._reset_timeout(duration)

    def _timeout_cb(self) -> None:
        if self._in_data:
            silent = self.loop.time() - self._last_read
            if silent < self.data_timeout:
                self._reset_timeout(self.data_timeout - silent)
                return
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(replies.TIMEOUT.format(hostname=self.hostname).encode())
            self.transport.write(b"\r\n")
        super()._timeout_cb()

    # Commands

    async def push(self, status) -> None:
        if status == _EMPTY_AUTH:  # EHLO after STARTTLS on the MX: no mechanism to list
            return
        if isinstance(status, str) and _REPLY_CONTROL.search(status):
            # aiosmtpd echoes what the client sent ("500 Error: command "\rEHLO" not
            # recognized", "502 Could not VRFY ..."): a bare CR or ESC must not reach the
            # client's screen or parser as if it were ours.
            status = _REPLY_CONTROL.sub("?", status)
        if isinstance(status, str):
            if not self._greeted:
                self._greeted = True  # the greeting: no enhanced code
            elif self._hello and status.startswith("250"):
                if status.startswith("250 ") and self.session and self.session.extended_smtp:
                    for extension in self.extensions():  # before aiosmtpd's last line
                        await self._write(f"250-{extension}")
            else:
                status = with_status(status)
            self._reply = status
        await self._write(status)

    async def _write(self, status) -> None:
        if self._batch is not None and isinstance(status, str):  # written with the last line
            self._batch.append(status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii"))
            return
        await super().push(status)

    def extensions(self) -> list[str]:
        """What EHLO lists beside aiosmtpd's own (SIZE, 8BITMIME, SMTPUTF8, STARTTLS, AUTH)."""
        return [*EXTENSIONS, "DSN"] if self.dsn else list(EXTENSIONS)

    async def smtp_HELO(self, hostname: str) -> None:
        self._hello = True
        try:
            await super().smtp_HELO(hostname)
        finally:
            self._hello = False

    async def smtp_EHLO(self, hostname: str) -> None:
        self._hello = True
        self._batch = []  # the ten-odd lines of the answer in one write, not one each
        try:
            await super().smtp_EHLO(hostname)
        finally:
            self._hello = False
            lines, self._batch = self._batch, None
        if lines:
            self._writer.write(b"\r\n".join(lines) + b"\r\n")
            await self._writer.drain()
        if self.dsn:  # RFC 3461 5: room for RET and ENVID, NOTIFY and ORCPT
            limits = self.command_size_limits
            limits["MAIL"] = max(limits["MAIL"], self.command_size_limit + 26 + 10 + 100)
            limits["RCPT"] = max(limits["RCPT"], self.command_size_limit + 500)

    async def smtp_MAIL(self, arg: str | None) -> None:
        if arg is not None and _CONTROL.search(arg):
            if not (await self.check_helo_needed() or await self.check_auth_needed("MAIL")):
                await self.push(replies.BAD_SENDER_ADDRESS)
            return
        ret = envid = ""
        if self.dsn and arg is not None:
            try:
                arg, found = _take_params(arg, MAIL_PARAMS)
                ret, envid = mail_params(found)
            except DsnSyntaxError as exc:
                if not (await self.check_helo_needed() or await self.check_auth_needed("MAIL")):
                    await self.push(exc.reply)
                return
        started = self.envelope is not None and bool(self.envelope.mail_from)
        await super().smtp_MAIL(arg)
        if self.lease is not None and self.envelope is not None and self.envelope.mail_from:
            self.lease.busy()
        if (ret or envid) and not started and self.envelope and self.envelope.mail_from:
            self.envelope.qiyou_dsn = Dsn(ret=ret, envid=envid)  # type: ignore[attr-defined]

    async def smtp_RCPT(self, arg: str | None) -> None:
        self._reply = ""
        try:
            await self._rcpt(arg)
        finally:
            if self._reply:  # accepted (250) or refused, by the code it was told
                metrics.smtp_recipients(self.listener, self._reply[:3]).inc()

    async def _rcpt(self, arg: str | None) -> None:
        # After MAIL (HELO and AUTH were checked for it), as aiosmtpd orders its answers.
        in_transaction = self.envelope is not None and self.envelope.mail_from
        if arg is not None and _CONTROL.search(arg) and in_transaction:
            await self.push(replies.BAD_ADDRESS)
            return
        notify = orcpt = ""
        if self.dsn and arg is not None and in_transaction:
            try:
                arg, found = _take_params(arg, RCPT_PARAMS)
                notify, orcpt = rcpt_params(found)
            except DsnSyntaxError as exc:
                await self.push(exc.reply)
                return
        assert self.envelope is not None
        before = len(self.envelope.rcpt_tos)
        await super().smtp_RCPT(arg)
        if (notify or orcpt) and len(self.envelope.rcpt_tos) > before:
            dsn = envelope_dsn(self.envelope)
            key = self.envelope.rcpt_tos[-1].lower()
            if notify:
                dsn.notify[key] = notify
            if orcpt:
                dsn.orcpt[key] = orcpt
            self.envelope.qiyou_dsn = dsn  # type: ignore[attr-defined]

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        plain = _PLAIN_ADDRESS.match(arg)
        rest = arg[plain.end() :].lstrip(" \t") if plain else ""
        if plain is None or rest.startswith("("):
            try:
                return super()._getaddr(arg)
            except Exception:
                # The email package's parser raises more than HeaderParseError on some
                # malformed input (IndexError on "MAIL FROM:<"): a malformed address too.
                return None, None
        address = plain.group(1)
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, rest

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if self._chunks is not None or self._chunks_refused:
            await self.push(DATA_AFTER_BDAT)
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        self._in_data = True
        self._last_read = self.loop.time()
        self._reset_timeout(self.data_timeout)
        try:
            content = await self._read_data()
            if content is None:
                await self.push(replies.TOO_BIG.format(limit=self.data_size_limit))
                metrics.smtp_messages(self.listener, "552").inc()
                self._set_post_data_state()
                return
            await self._deliver(content)
        finally:
            self._in_data = False
            if self.transport is not None:
                self._reset_timeout()  # back to the command timeout

    async def _deliver(self, content: bytes) -> None:
        """The whole message is in: the handler's DATA hook, its reply, a new transaction."""
        assert self.envelope is not None
        started = time.perf_counter()
        self.envelope.content = content
        self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        status = "250 OK" if status is MISSING else status
        self.delivered = self.delivered or status.startswith("250")
        await self.push(status)
        self._ingest_seconds.observe(time.perf_counter() - started)
        metrics.smtp_messages(self.listener, status[:3]).inc()

    async def smtp_BDAT(self, arg: str | None) -> None:
        """RFC 3030: ``BDAT <size> [LAST]`` and exactly ``size`` octets of the message. A
        chunk is always read to its end (the client has sent it) before the reply, so a
        refused chunk leaves the next command in step; a message over the size limit is
        read on without being kept and refused with 552 5.3.4."""
        match = _BDAT.fullmatch(arg or "")
        if match is None:
            await self.push(BDAT_SYNTAX)  # the size is unknown: nothing can be skipped
            return
        size, last = int(match.group(1)), match.group(2) is not None
        problem = self._bdat_problem()
        limit = self.data_size_limit
        held = len(self._chunks) if self._chunks is not None else 0
        too_big = bool(limit) and held + size > limit
        keep = problem is None and not self._chunks_refused and not too_big
        self._in_data = True
        self._last_read = self.loop.time()
        self._reset_timeout(self.data_timeout)
        try:
            chunk = await self._read_chunk(size, keep)
            if problem is not None:
                await self.push(problem)
                return
            if self._chunks_refused or too_big:
                reply = (
                    BDAT_AFTER_REFUSAL
                    if self._chunks_refused
                    else replies.TOO_BIG.format(limit=limit)
                )
                if not self._chunks_refused:
                    metrics.smtp_messages(self.listener, "552").inc()
                self._chunks, self._chunks_refused = None, True
                if last:
                    self._set_post_data_state()  # the message is over: a new one may start
                await self.push(reply)
                return
            if self._chunks is None:
                self._chunks = bytearray()
            self._chunks += chunk
            if not last:
                await self.push(f"250 2.0.0 {size} octets received")
                return
            content = bytes(self._chunks)
            self._chunks = None
            await self._deliver(content)
        finally:
            self._in_data = False
            if self.transport is not None:
                self._reset_timeout()

    def _bdat_problem(self) -> str | None:
        """Why no chunk can be taken now (the order of aiosmtpd's checks for DATA)."""
        assert self.session is not None and self.envelope is not None
        if not self.session.host_name:
            return "503 5.5.1 Error: send HELO first"
        if self._auth_required and not self.session.authenticated:
            return "530 5.7.0 Authentication required"
        if not self.envelope.mail_from:
            return "503 5.5.1 Error: need MAIL command"
        if not self.envelope.rcpt_tos:
            return "503 5.5.1 Error: need RCPT command"
        return None

    async def _read_chunk(self, size: int, keep: bool) -> bytes:
        """Exactly ``size`` octets from the client (returned if ``keep``, else skipped)."""
        data = bytearray()
        left = size
        try:
            while left:
                piece = await self._reader.readexactly(min(left, _READ_PIECE))
                self._last_read = self.loop.time()
                left -= len(piece)
                if keep:
                    data += piece
        except asyncio.CancelledError:
            log.info("connection lost during BDAT")
            self._writer.close()
            raise
        return bytes(data)

    async def _read_data(self) -> bytes | None:
        """The message up to the lone-dot line, dot-stuffing undone; None if it was over the
        size limit (read to its end all the same, so the next command is in step)."""
        limit = self.data_size_limit
        data = bytearray()
        size = 0
        too_much = False
        line_start = True  # what was read so far ends a line (or nothing was read)
        while True:
            try:
                chunk = await self._reader.readuntil(_END)
            except asyncio.CancelledError:
                log.info("connection lost during DATA")
                self._writer.close()
                raise
            except asyncio.LimitOverrunError as exc:
                # No end-of-data within the stream limit: take what cannot hold its start.
                chunk = await self._reader.readexactly(exc.consumed)
            if chunk == _END and line_start:
                break
            ends = chunk.endswith(b"\r\n" + _END)
            piece = chunk[: -len(_END)] if ends else chunk
            size += len(piece)
            if limit and size > limit and not too_much:
                too_much = True
                data = bytearray()  # keep reading to the end, but not keeping it
            if not too_much:
                data += piece
            if ends:
                break
            line_start = chunk.endswith(b"\r\n")
        if too_much:
            return None
        if data.startswith(b"."):
            del data[0]
        return bytes(data).replace(b"\r\n.", b"\r\n")


def _take_params(arg: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The command argument without the parameters ``names`` (after the address), and
    those parameters with their values as sent."""
    start = arg.find(":") + 1
    while start < len(arg) and arg[start] in " \t":
        start += 1
    end = _address_end(arg, start)
    found, rest = split_params(arg[end:].split(), names)
    if not found:
        return arg, found
    return " ".join([arg[:end], *rest]), found


def _address_end(arg: str, start: int) -> int:
    """Where the path that starts at ``start`` ends: after its closing ``>`` (outside
    quotes), or at the first blank for a path without brackets."""
    if not arg.startswith("<", start):
        blank = re.search(r"[ \t]", arg[start:])
        return start + blank.start() if blank else len(arg)
    quoted = escaped = False
    for index in range(start + 1, len(arg)):
        char = arg[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ">" and not quoted:
            return index + 1
    return len(arg)

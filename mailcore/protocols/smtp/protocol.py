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
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiosmtpd.smtp import MISSING, SMTP

from mailcore.core.net.limits import ConnectionLimits, Lease, Refusal, peer_ip
from mailcore.protocols.smtp import replies

log = logging.getLogger(__name__)

_END = b".\r\n"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_REPLY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMPTY_AUTH = "250-AUTH "


class QiyouSMTP(SMTP):
    def __init__(
        self,
        handler,
        *,
        data_size_limit: int,
        limits: ConnectionLimits | None = None,
        data_timeout: float = 300.0,
        stress_timeout: float = 10.0,
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
        super().__init__(handler, data_size_limit=data_size_limit, **kwargs)

    # Connection limits

    def connection_made(self, transport) -> None:
        if self.limits is not None and self.lease is None:  # not again after STARTTLS
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
        await super().push(status)

    async def smtp_MAIL(self, arg: str | None) -> None:
        if arg is not None and _CONTROL.search(arg):
            if not (await self.check_helo_needed() or await self.check_auth_needed("MAIL")):
                await self.push(replies.BAD_SENDER_ADDRESS)
            return
        await super().smtp_MAIL(arg)
        if self.lease is not None and self.envelope is not None and self.envelope.mail_from:
            self.lease.busy()

    async def smtp_RCPT(self, arg: str | None) -> None:
        # After MAIL (HELO and AUTH were checked for it), as aiosmtpd orders its answers.
        in_transaction = self.envelope is not None and self.envelope.mail_from
        if arg is not None and _CONTROL.search(arg) and in_transaction:
            await self.push(replies.BAD_ADDRESS)
            return
        await super().smtp_RCPT(arg)

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
                await self.push("552 Error: Too much mail data")
                self._set_post_data_state()
                return
            self.envelope.content = content
            self.envelope.original_content = content
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            status = "250 OK" if status is MISSING else status
            self.delivered = self.delivered or status.startswith("250")
            await self.push(status)
        finally:
            self._in_data = False
            if self.transport is not None:
                self._reset_timeout()  # back to the command timeout

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

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
comments, the null sender) still goes to aiosmtpd's parser.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiosmtpd.smtp import MISSING, SMTP

log = logging.getLogger(__name__)

_END = b".\r\n"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")


class QiyouSMTP(SMTP):
    def __init__(self, handler, *, data_size_limit: int, **kwargs) -> None:
        # The stream limit bounds how much one readuntil buffers: the size limit (+ CRLF);
        # without one, aiosmtpd's default (the DATA reader takes longer stretches in parts).
        if data_size_limit:
            self.line_length_limit = data_size_limit + 2
        super().__init__(handler, data_size_limit=data_size_limit, **kwargs)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        plain = _PLAIN_ADDRESS.match(arg)
        rest = arg[plain.end() :].lstrip(" \t") if plain else ""
        if plain is None or rest.startswith("("):
            return super()._getaddr(arg)
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
        content = await self._read_data()
        if content is None:
            await self.push("552 Error: Too much mail data")
            self._set_post_data_state()
            return
        self.envelope.content = content
        self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

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

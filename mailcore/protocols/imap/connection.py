"""One IMAP client's byte stream: bounded reads, paced writes, STARTTLS and COMPRESS=DEFLATE.

Reads go through our own buffer (not ``StreamReader.readuntil``) so that every limit is ours:
a line longer than the limit is skipped to its end without being kept (``LineTooLong``), a
literal is read to its announced size, and after ``COMPRESS DEFLATE`` the inflater gives at
most ``CHUNK`` bytes at a time (a small deflate bomb cannot fill memory). Every read waits
at most ``timeout`` seconds (the session sets it: short before login, 30 minutes after, as
RFC 9051 §5.4 asks) and raises ``TimeoutError``.

Writes are gathered and handed to the transport in ``CHUNK`` pieces; ``pace()`` waits for
the client to read once more than ``HIGH_WATER`` bytes are queued, and gives up after
``write_timeout`` seconds (``WriteTimeout``): a client that never reads is dropped, never
buffered for. ``flush()`` hands over the rest and ends the deflate block so that the client
sees what was written.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import zlib

CHUNK = 64 * 1024
HIGH_WATER = 256 * 1024


class LineTooLong(Exception):  # noqa: N818 - a condition the session answers
    """A line went over the limit; it was read to its end and dropped (``head`` keeps its
    first bytes, to find the tag)."""

    def __init__(self, head: bytes) -> None:
        super().__init__("line too long")
        self.head = head


class WriteTimeout(Exception):  # noqa: N818 - a condition the session answers
    """The client did not read what was written within the write timeout."""


class Connection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        timeout: float,
        write_timeout: float,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self.write_timeout = write_timeout
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already searched for a newline
        self._inflate: zlib._Decompress | None = None
        self._deflate: zlib._Compress | None = None
        self._eof = False
        self._out = bytearray()  # written, not yet handed to the transport
        self.bytes_in = 0
        self.bytes_out = 0

    # --- state ---------------------------------------------------------------------------

    @property
    def tls(self) -> bool:
        return self.writer.get_extra_info("ssl_object") is not None

    @property
    def compressed(self) -> bool:
        return self._deflate is not None

    # --- reading -------------------------------------------------------------------------

    async def _fill(self) -> None:
        """Add more bytes to the buffer (inflated when compressed); EOFError at the end."""
        while True:
            if self._inflate is not None and self._inflate.unconsumed_tail:
                data = self._inflate.decompress(self._inflate.unconsumed_tail, CHUNK)
            else:
                if self._eof:
                    raise EOFError
                async with asyncio.timeout(self.timeout):
                    raw = await self.reader.read(CHUNK)
                if not raw:
                    self._eof = True
                    raise EOFError
                self.bytes_in += len(raw)
                if self._inflate is None:
                    self._buf += raw
                    return
                try:
                    data = self._inflate.decompress(raw, CHUNK)
                except zlib.error:
                    raise EOFError from None  # a broken stream cannot be resynchronised
            if data:
                self._buf += data
                return

    async def read_line(self, limit: int) -> bytes:
        """One line with its LF; ``LineTooLong`` once it passes ``limit`` bytes (the line is
        read to its end and dropped)."""
        while True:
            end = self._buf.find(b"\n", self._scanned)
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                self._scanned = 0
                if len(line) > limit:
                    raise LineTooLong(line[:200])
                return line
            self._scanned = len(self._buf)
            if len(self._buf) > limit:
                head = bytes(self._buf[:200])
                await self._skip_line()
                raise LineTooLong(head)
            await self._fill()

    async def _skip_line(self) -> None:
        while True:
            end = self._buf.find(b"\n")
            if end >= 0:
                del self._buf[: end + 1]
                self._scanned = 0
                return
            self._buf.clear()
            await self._fill()

    async def read_exact(self, size: int) -> bytes:
        """The next ``size`` bytes (a literal)."""
        while len(self._buf) < size:
            await self._fill()
        with memoryview(self._buf) as view:
            data = bytes(view[:size])  # one copy, not two
        del self._buf[:size]
        self._scanned = 0
        return data

    async def discard(self, size: int) -> None:
        """Read and drop ``size`` bytes (a literal refused after it was sent)."""
        while size > 0:
            if not self._buf:
                await self._fill()
            taken = min(size, len(self._buf))
            del self._buf[:taken]
            size -= taken
        self._scanned = 0

    # --- writing -------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue output; it goes to the transport in pieces of at least ``CHUNK`` bytes (one
        send and one TLS record run per piece rather than per response line)."""
        if len(data) >= CHUNK:  # a large literal goes as it is, without a copy
            self._hand_over()
            self._send(data)
            return
        self._out += data
        if len(self._out) >= CHUNK:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._out:
            data = bytes(self._out)
            self._out.clear()
            self._send(data)

    def _send(self, data: bytes) -> None:
        if self._deflate is not None:
            data = self._deflate.compress(data)
            if not data:
                return
        self.bytes_out += len(data)
        self.writer.write(data)

    async def pace(self) -> None:
        """Wait for the client to read when much is queued (``WriteTimeout`` if it does not)."""
        if self.writer.transport.get_write_buffer_size() > HIGH_WATER:
            await self._drain()

    def push(self) -> None:
        """Hand everything written to the transport, ending the deflate block (no waiting)."""
        self._hand_over()
        if self._deflate is not None:
            data = self._deflate.flush(zlib.Z_SYNC_FLUSH)
            if data:
                self.bytes_out += len(data)
                self.writer.write(data)

    async def flush(self) -> None:
        """Send what was written (ending the deflate block) and wait if much is queued."""
        self.push()
        await self.pace()

    async def _drain(self) -> None:
        try:
            async with asyncio.timeout(self.write_timeout):
                await self.writer.drain()
        except TimeoutError:
            raise WriteTimeout from None

    # --- upgrades ------------------------------------------------------------------------

    async def start_tls(self, context: ssl.SSLContext, handshake_timeout: float) -> None:
        """Switch to TLS. What the client sent after STARTTLS in the clear is dropped (RFC
        9051 §6.2.1: no command injection, CVE-2011-0411)."""
        self._buf.clear()
        self._scanned = 0
        # The stream may hold more of it than we took (it reads 64 KB at a time): that goes
        # too, or it would be read as if it had come over TLS.
        self.reader._buffer.clear()  # type: ignore[attr-defined]
        self.push()
        await self._drain()
        await self.writer.start_tls(context, ssl_handshake_timeout=handshake_timeout)

    def start_deflate(self) -> None:
        """From now on both directions are raw deflate (RFC 4978); bytes already read past
        the COMPRESS command are inflated too."""
        self.push()  # the tagged OK goes uncompressed
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        self._inflate = zlib.decompressobj(-15)
        pending = bytes(self._buf)
        self._buf.clear()
        self._scanned = 0
        if pending:
            try:
                self._buf += self._inflate.decompress(pending, CHUNK)
            except zlib.error:
                self._eof = True

    def close(self) -> None:
        if not self.writer.is_closing():
            with contextlib.suppress(Exception):
                self.push()
            self.writer.close()

    def abort(self) -> None:
        """Close at once, dropping what is queued (a client that does not read)."""
        self.writer.transport.abort()

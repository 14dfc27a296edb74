"""SpamAssassin's spamd over the SPAMC protocol (``SYMBOLS SPAMC/1.5``)."""

from __future__ import annotations

import asyncio
import logging
import re

from mailcore.spam import MessageFacts, SpamVerdict

log = logging.getLogger(__name__)

_SPAM_HEADER = re.compile(rb"^Spam:\s*(\w+)\s*;\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)", re.I | re.M)


class SpamdChecker:
    name = "spamd"

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def _ask(self, raw: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(
                b"SYMBOLS SPAMC/1.5\r\n"
                + f"Content-length: {len(raw)}\r\n\r\n".encode("ascii")
                + raw
            )
            await writer.drain()
            writer.write_eof()
            return await reader.read()
        finally:
            writer.close()

    async def check(self, raw: bytes, facts: MessageFacts) -> SpamVerdict | None:
        try:
            reply = await asyncio.wait_for(self._ask(raw), self.timeout)
        except (OSError, TimeoutError) as exc:
            log.warning("spamd check failed, mail not scored: %s", exc)
            return None
        head, _, body = reply.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        match = _SPAM_HEADER.search(head)
        if not status.startswith(b"SPAMD/") or b" 0 " not in status or match is None:
            log.warning("spamd answered %r, mail not scored", status[:100])
            return None
        symbols = [s for s in body.decode("ascii", "replace").strip().split(",") if s]
        return SpamVerdict(float(match.group(2)), symbols, self.name)

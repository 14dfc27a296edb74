"""HTTP connection limits and the request-head timeout, as uvicorn protocol classes.

uvicorn counts nothing per client and has no timeout for a request head: a client that
sends a partial head and then one byte now and then keeps its connection forever
(slowloris), and one that connects and says nothing is never closed either. ``LimitedHttp``
(uvicorn's httptools protocol) adds:

* the listener's ``ConnectionLimits`` (mailcore/core/net/limits.py): a connection over the
  limit for its address, or over the total, is answered ``503 Service Unavailable`` with
  ``Connection: close`` at once, half-closed so the answer is read, and closed when the
  client closes or after ``LINGER`` seconds;
* the head timeout: from the connection, and from the first byte of each next request,
  the whole request head must arrive within ``header_timeout`` seconds, or the client gets
  ``408 Request Timeout`` and the connection closes. Silence between requests is uvicorn's
  keep-alive timeout.

A websocket upgrade hands the socket to ``LimitedWebSocket``, which takes the connection's
lease with it and gives the place back when the socket closes. Websockets are long-lived
sessions of signed-in users: they count against the limits but are never closed to make
room. Peers in ``QIYOU_TRUSTED_PROXIES`` have no per-address limit (their clients do not
show in the peer address); they still count in the total.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from mailcore.core.net.limits import ConnectionLimits, Lease, Refusal, peer_ip

LINGER = 1.0  # seconds a refused connection waits for its client to close first

_REFUSED_BODY = {
    Refusal.PER_IP: b"Too many connections from your address\n",
    Refusal.TOTAL: b"Too many connections, try again later\n",
}
_REQUEST_TIMEOUT_BODY = b"Request head not received in time\n"


def _response(status: bytes, body: bytes, *extra: bytes) -> bytes:
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class LimitedHttp(HttpToolsProtocol):
    def __init__(
        self, *args: Any, limits: ConnectionLimits, header_timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.header_timeout = header_timeout
        self.lease: Lease | None = None
        self.refused = False
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        admitted = self.limits.admit(peer_ip(transport))
        if isinstance(admitted, Refusal):
            self._refuse(admitted)
            return
        self.lease = admitted
        if self.ws_protocol_class is not None:  # LimitedWebSocket: it takes the lease along
            self.ws_protocol_class = functools.partial(self.ws_protocol_class, lease=admitted)
        self._arm_head_timer()

    def _refuse(self, refusal: Refusal) -> None:
        self.refused = True
        body = _REFUSED_BODY[refusal]
        self.transport.write(_response(b"503 Service Unavailable", body, b"retry-after: 5"))
        if self.transport.can_write_eof():
            # Half-close: the client reads the answer even if it is still sending its
            # request (closing with unread data would reset the connection and lose it).
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.close)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()  # bytes between requests (even blank lines) start a head
        super().data_received(data)

    def eof_received(self) -> None:
        if self.refused:
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        try:
            super().connection_lost(exc)
        finally:
            if self.lease is not None:  # (after an upgrade the websocket's is called instead)
                self.lease.close()

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_response(b"408 Request Timeout", _REQUEST_TIMEOUT_BODY))
        self.transport.close()


class LimitedWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, giving the HTTP connection's place back at the end."""

    def __init__(self, *args: Any, lease: Lease | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lease = lease

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            if self.lease is not None:
                self.lease.close()


def http_protocol(limits: ConnectionLimits, header_timeout: float) -> Any:
    """The ``http`` protocol factory for ``uvicorn.Config`` (with ``ws=LimitedWebSocket``)."""
    return functools.partial(LimitedHttp, limits=limits, header_timeout=header_timeout)

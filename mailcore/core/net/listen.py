"""Listening on the configured ports: a port that cannot be had (in use, not allowed, no
such address) is a ``ListenError`` naming its setting, which ``qiyou serve`` reports in
one line before it exits (code 2) instead of a traceback.

``bind_socket`` binds the HTTP socket before anything starts (uvicorn is handed the bound
socket, so nothing can take the port in between); ``listening`` wraps the
``create_server``/``start_server`` of the mail listeners.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class ListenError(Exception):
    """A listener could not start: ``QIYOU_HTTP_PORT 8025 on 127.0.0.1 is in use``."""

    def __init__(self, variable: str, host: str, port: int, error: OSError) -> None:
        if error.errno == errno.EADDRINUSE:
            reason = "is in use"
        elif error.errno == errno.EACCES:
            reason = "is not allowed for this user (ports below 1024 need privileges)"
        else:
            reason = f"cannot be listened on: {error.strerror or error}"
        super().__init__(f"{variable} {port} on {host} {reason}")
        self.variable, self.host, self.port = variable, host, port


def bind_socket(variable: str, host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not listening yet), as uvicorn would bind it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ListenError(variable, host, port, exc) from None
    sock.set_inheritable(True)
    return sock


async def listening(variable: str, host: str, port: int, start: Awaitable[T]) -> T:
    """Await ``start`` (a ``create_server``/``start_server``), a failure to bind told as
    a ``ListenError`` about ``variable``."""
    try:
        return await start
    except OSError as exc:
        raise ListenError(variable, host, port, exc) from None

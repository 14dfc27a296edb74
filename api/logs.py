"""Process logging for ``qiyou serve``: one handler on the root logger for every line (ours,
uvicorn's, its access log), as text or as one JSON object per line (``QIYOU_LOG_FORMAT``),
secrets masked (``mailcore.core.redact.mask_text``), and the request id of the request
being handled (``RequestId``: the client's ``X-Request-ID`` when it is short and plain, else
a new one; echoed in the response) on every line logged while handling it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailcore.core.redact import mask_text

HEADER = "X-Request-ID"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # a client's id is taken only if it is this

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestId:
    """ASGI middleware: the request id of each HTTP request or websocket, in ``request_id``
    for everything logged while handling it, and in the response's ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        given = Headers(scope=scope).get(HEADER, "")
        rid = given if GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        # Not reset afterwards: uvicorn runs each request in a task of its own, and its
        # access line and any error trace of this request are logged after we return.
        request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """``time level logger message [request id]``, secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        if rid:
            first, newline, rest = line.partition("\n")
            line = f"{first} [{rid}]{newline}{rest}"
        return mask_text(line)


class JsonLineFormatter(JsonFormatter):
    """``{"time", "level", "logger", "message", "request_id", ...}``, secrets masked."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message", "request_id"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {k: mask_text(v) if isinstance(v, str) else v for k, v in log_data.items()}


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send every logger's lines through one stderr handler in ``log_format`` (text, json).
    Uvicorn must be started with ``log_config=None`` so that its loggers propagate here."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_WithRequestId())
    handler.setFormatter(
        JsonLineFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings too, in the same format

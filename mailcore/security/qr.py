"""QR codes as base64 PNG (segno), for QR logins and authenticator-app enrolment."""

from __future__ import annotations

import base64
import io

import segno


def png_base64(text: str, scale: int = 5) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return base64.b64encode(buffer.getvalue()).decode()

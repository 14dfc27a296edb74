"""Start the SMTP listeners (MX and submission) inside the running asyncio loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiosmtpd.smtp import SMTP

from mailcore.runtime import Runtime
from mailcore.smtp.inbound import InboundHandler
from mailcore.smtp.protocol import QiyouSMTP
from mailcore.smtp.submission import SubmissionHandler
from mailcore.smtp.tls import ensure_self_signed, server_context


def tls_context(runtime: Runtime):
    settings = runtime.settings
    if settings.tls_cert and settings.tls_key:
        cert, key = Path(settings.tls_cert), Path(settings.tls_key)
    else:
        cert, key = ensure_self_signed(settings.data_dir / "tls", settings.hostname)
    return server_context(cert, key)


async def start_smtp(runtime: Runtime) -> list[asyncio.Server]:
    """Listen on the MX and submission ports; returns the servers (close them to stop)."""
    settings = runtime.settings
    context = tls_context(runtime)
    loop = asyncio.get_running_loop()
    protocol = QiyouSMTP
    inbound = InboundHandler(runtime)
    submission = SubmissionHandler(runtime)

    def mx() -> SMTP:
        return protocol(
            inbound,
            hostname=settings.hostname,
            data_size_limit=settings.max_message_size,
            enable_SMTPUTF8=True,
            tls_context=context,
            require_starttls=False,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
            ident="Qiyou ESMTP",
        )

    def msa() -> SMTP:
        return protocol(
            submission,
            hostname=settings.hostname,
            data_size_limit=settings.max_message_size,
            enable_SMTPUTF8=True,
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            ident="Qiyou ESMTP submission",
        )

    return [
        await loop.create_server(mx, settings.host, settings.smtp_port),
        await loop.create_server(msa, settings.host, settings.submission_port),
    ]

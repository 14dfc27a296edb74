"""Start the SMTP listeners (MX, submission with STARTTLS, submission over implicit TLS)
inside the running asyncio loop.

Each listener counts its connections (per address and in all) with a ``ConnectionLimits``
of its own (the two submission ports share one); the command, DATA and stress timeouts come
from the settings. Submission advertises DSN (its mail may leave us); the MX does not, as
it delivers only here and would owe success reports it does not send.
"""

from __future__ import annotations

import asyncio

from aiosmtpd.smtp import SMTP

from mailcore.core.net.limits import ConnectionLimits
from mailcore.core.net.listen import listening
from mailcore.core.net.proxy import ProxyTrust
from mailcore.core.net.tls import tls_context
from mailcore.protocols.smtp.inbound import InboundHandler
from mailcore.protocols.smtp.protocol import QiyouSMTP
from mailcore.protocols.smtp.submission import SubmissionHandler
from mailcore.store.services import Services


async def start_smtp(
    runtime: Services, *, mx_port: bool = True, submission_port: bool = True, shared: bool = False
) -> list[asyncio.Server]:
    """Listen on the MX and/or submission ports; returns the servers (close them to stop).
    ``shared``: the MX port with ``SO_REUSEPORT``, beside the other MX processes."""
    settings = runtime.settings
    context = tls_context(settings)
    loop = asyncio.get_running_loop()
    protocol = QiyouSMTP
    inbound = InboundHandler(runtime)
    submission = SubmissionHandler(runtime)
    mx_limits = ConnectionLimits(
        "smtp", per_ip=settings.smtp_max_connections_per_ip, total=settings.smtp_max_connections
    )
    msa_limits = ConnectionLimits(
        "submission",
        per_ip=settings.submission_max_connections_per_ip,
        total=settings.submission_max_connections,
    )
    proxy_from = ProxyTrust.parse(settings.proxy_protocol_from)  # docs/proxy-protocol.md
    timeouts = {
        "timeout": settings.smtp_command_timeout,
        "data_timeout": settings.smtp_data_timeout,
        "stress_timeout": settings.stress_timeout,
    }

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
            limits=mx_limits,
            proxy_from=proxy_from,
            listener="mx",
            **timeouts,
        )

    def msa(implicit_tls: bool = False) -> SMTP:
        return protocol(
            submission,
            hostname=settings.hostname,
            data_size_limit=settings.max_message_size,
            enable_SMTPUTF8=True,
            tls_context=None if implicit_tls else context,
            require_starttls=not implicit_tls,
            auth_required=True,
            auth_require_tls=True,
            ident="Qiyou ESMTP submission",
            limits=msa_limits,
            proxy_from=proxy_from,
            listener="submission",
            dsn=True,
            implicit_tls=implicit_tls,
            tls_first=context if implicit_tls and proxy_from else None,  # after the header
            **timeouts,
        )

    def msa_tls() -> SMTP:
        return msa(implicit_tls=True)

    backlog = 4096  # a burst of connections waits to be accepted (and told 421 if over)
    servers = []
    host = settings.host
    if mx_port:
        port = settings.smtp_port
        mx_server = loop.create_server(mx, host, port, backlog=backlog, reuse_port=shared or None)
        servers.append(await listening("QIYOU_SMTP_PORT", host, settings.smtp_port, mx_server))
    if submission_port:
        port = settings.submission_port
        msa_server = loop.create_server(msa, host, port, backlog=backlog)
        servers.append(await listening("QIYOU_SUBMISSION_PORT", host, port, msa_server))
        if settings.submissions_port:
            tls_server = loop.create_server(
                msa_tls,
                host,
                settings.submissions_port,
                backlog=backlog,
                ssl=None if proxy_from else context,  # else the protocol starts TLS
                ssl_handshake_timeout=None if proxy_from else timeouts["timeout"],
            )
            port = settings.submissions_port
            servers.append(await listening("QIYOU_SUBMISSIONS_PORT", host, port, tls_server))
    return servers

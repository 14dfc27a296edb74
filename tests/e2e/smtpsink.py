"""A real SMTP server for tests acting as remote MX hosts or a relay: aiosmtpd in its own
thread on 127.0.0.1, recording every accepted transaction.

Behaviour is scripted per recipient address: ``rcpt_script[address]`` is a list of replies
used one per attempt (``None`` means accept), ``ehlo_failures`` makes the next N connections
fail at EHLO with 421, ``hold`` (a ``threading.Event``) keeps DATA waiting until it is set,
and ``auth`` (user, password) requires AUTH before MAIL (over STARTTLS, unless
``auth_tls`` is False); ``dsn`` advertises DSN and takes
its parameters (RFC 3461). Every MAIL and RCPT line is kept in ``commands`` as sent.
STARTTLS is offered with a self-signed certificate. A transaction whose client disappears
before the DATA reply is not recorded (as a real server would not deliver it).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mailcore.core.net.tls import ensure_self_signed
from tests.e2e.server import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None


@dataclass
class Sink:
    directory: Path
    auth: tuple[str, str] | None = None
    auth_tls: bool = True
    messages: list[Received] = field(default_factory=list)
    rcpt_script: dict[str, list[str | None]] = field(default_factory=dict)
    ehlo_failures: int = 0
    hold: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    connections: int = 0
    dsn: bool = False
    commands: list[str] = field(default_factory=list)
    _controller: Controller | None = None

    port: int = field(default_factory=free_port)

    def start(self) -> Sink:
        cert, key = ensure_self_signed(self.directory, "mx.sink.test")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        sink = self

        class Handler:
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                sink.connections += 1
                if sink.ehlo_failures > 0:
                    sink.ehlo_failures -= 1
                    return ["421 4.3.2 Service busy, try later"]
                session.host_name = hostname
                if sink.dsn:
                    return [*responses[:-1], "250-DSN", responses[-1]]
                return responses

            async def handle_RCPT(self, server, session, envelope, address, options):
                script = sink.rcpt_script.get(address.lower())
                reply = script.pop(0) if script else None
                if reply:
                    return reply
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 OK"

            async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
                if sink.hold is not None and not sink.hold.is_set():
                    sink.holding.set()
                    while not sink.hold.is_set():
                        await asyncio.sleep(0.05)
                        if server.transport is None or server.transport.is_closing():
                            return "451 4.3.0 client gone"  # never delivered
                login = session.auth_data.login.decode() if session.auth_data else None
                sink.messages.append(
                    Received(
                        envelope.mail_from,
                        list(envelope.rcpt_tos),
                        envelope.original_content or b"",
                        server._tls_protocol is not None,
                        login,
                    )
                )
                return f"250 2.0.0 Ok: queued as {len(sink.messages)}"

        def authenticator(server, session, envelope, mechanism, auth_data):
            # handled=False: aiosmtpd answers a refusal with 535 (else it answers nothing)
            if not isinstance(auth_data, LoginPassword) or sink.auth is None:
                return AuthResult(success=False, handled=False)
            ok = (auth_data.login.decode(), auth_data.password.decode()) == sink.auth
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        class QuietSession(Session):
            """aiosmtpd sets the deprecated ``login_data`` after every AUTH (a warning)."""

            login_data = None  # type: ignore[assignment]

        def without_dsn(arg: str | None) -> str | None:
            if not sink.dsn or arg is None:
                return arg
            words = arg.split()
            dsn = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")
            return " ".join(words[:1] + [w for w in words[1:] if not w.upper().startswith(dsn)])

        class SinkSMTP(SMTP):
            def _create_session(self) -> Session:
                return QuietSession(self.loop)

            async def smtp_MAIL(self, arg: str | None) -> None:
                sink.commands.append(f"MAIL {arg}")
                await super().smtp_MAIL(without_dsn(arg))

            async def smtp_RCPT(self, arg: str | None) -> None:
                sink.commands.append(f"RCPT {arg}")
                await super().smtp_RCPT(without_dsn(arg))

        class Controlled(Controller):
            def factory(self) -> SMTP:
                with warnings.catch_warnings():  # AUTH without TLS: on purpose when asked
                    warnings.simplefilter("ignore", UserWarning)
                    return self._make()

            def _make(self) -> SMTP:
                return SinkSMTP(
                    Handler(),
                    hostname="mx.sink.test",
                    tls_context=context,
                    require_starttls=False,
                    auth_required=sink.auth is not None,
                    auth_require_tls=sink.auth_tls,
                    authenticator=authenticator,
                    enable_SMTPUTF8=True,
                )

        self._controller = Controlled(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def for_recipient(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

"""Which endpoints are advertised: the listeners' ports, replaced by QIYOU_PUBLIC_*_PORT,
left out when 0; the public mail host replaces the hostname."""

from __future__ import annotations

from mailcore.clients.endpoints import Protocol, Security, client_setup
from mailcore.core.config import Settings


def described(settings: Settings) -> list[tuple[str, str, int, str]]:
    return [(e.protocol, e.security, e.port, e.service) for e in client_setup(settings).endpoints]


def test_the_listening_ports_are_advertised_implicit_tls_first():
    settings = Settings.from_env({"QIYOU_HOSTNAME": "MX.Example.com"})

    setup = client_setup(settings)

    assert setup.host == "mx.example.com"
    assert described(settings) == [
        (Protocol.IMAP, Security.SSL, 1993, "_imaps"),
        (Protocol.IMAP, Security.STARTTLS, 1143, "_imap"),
        (Protocol.POP3, Security.SSL, 1995, "_pop3s"),
        (Protocol.POP3, Security.STARTTLS, 1110, "_pop3"),
        (Protocol.SMTP, Security.SSL, 4465, "_submissions"),
        (Protocol.SMTP, Security.STARTTLS, 5587, "_submission"),
    ]


def test_public_ports_and_host_replace_the_listeners_and_zero_turns_one_off():
    settings = Settings.from_env(
        {
            "QIYOU_HOSTNAME": "mx.example.com",
            "QIYOU_PUBLIC_MAIL_HOST": "Mail.Example.com.",
            "QIYOU_PUBLIC_IMAPS_PORT": "993",
            "QIYOU_PUBLIC_IMAP_PORT": "0",  # listening, but not told to clients
            "QIYOU_POP3_PORT": "0",  # off
            "QIYOU_POP3S_PORT": "0",
            "QIYOU_PUBLIC_SUBMISSIONS_PORT": "465",
            "QIYOU_PUBLIC_SUBMISSION_PORT": "",  # empty: the listener's
        }
    )

    setup = client_setup(settings)

    assert setup.host == "mail.example.com"
    assert described(settings) == [
        (Protocol.IMAP, Security.SSL, 993, "_imaps"),
        (Protocol.SMTP, Security.SSL, 465, "_submissions"),
        (Protocol.SMTP, Security.STARTTLS, 5587, "_submission"),
    ]
    assert setup.preferred(Protocol.POP3) is None
    assert setup.preferred(Protocol.SMTP).port == 465

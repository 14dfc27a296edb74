"""The SMTP server of an external account for send-as (``mailcore/fetch/smtp.py``): its
defaults (the provider preset's SMTP host, the fetch login) and what is given instead, and
the test login against a real loopback SMTP server (aiosmtpd, ``tests/e2e/smtpsink.py``):
the right login passes, a wrong one, a closed port, a server without AUTH and a private
address each give their typed error."""

from __future__ import annotations

import pytest

from mailcore.core.config import Settings
from mailcore.core.models import ExternalAccount, ExternalProtocol, ExternalSecurity
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.smtp import SmtpEndpoint, check_login, smtp_endpoint
from tests.e2e.server import free_port
from tests.e2e.smtpsink import Sink


def crypt(tmp_path) -> Crypt:
    return Crypt(Settings.from_env({"QIYOU_DATA_DIR": str(tmp_path), "QIYOU_SECRET_KEY": "k"}))


def account(c: Crypt, host: str, **more) -> ExternalAccount:
    return ExternalAccount(
        protocol=ExternalProtocol.IMAP,
        host=host,
        port=993,
        security=ExternalSecurity.TLS,
        username="me@qq.com",
        password_secret=c.seal("fetch-pw"),
        **more,
    )


def test_defaults_come_from_the_preset_and_the_fetch_login(tmp_path):
    c = crypt(tmp_path)
    got = smtp_endpoint(account(c, "imap.qq.com"), c)
    assert got == SmtpEndpoint("smtp.qq.com", 465, ExternalSecurity.TLS, "me@qq.com", "fetch-pw")
    outlook = smtp_endpoint(account(c, "outlook.office365.com"), c)
    assert (outlook.host, outlook.port, outlook.security) == (
        "smtp.office365.com",
        587,
        ExternalSecurity.STARTTLS,
    )


def test_given_settings_win_and_an_unknown_server_needs_a_host(tmp_path):
    c = crypt(tmp_path)
    given = account(
        c,
        "mail.old.example",
        smtp_host="smtp.old.example",
        smtp_security=ExternalSecurity.STARTTLS,
        smtp_username="other",
        smtp_password_secret=c.seal("smtp-pw"),
    )
    assert smtp_endpoint(given, c) == SmtpEndpoint(
        "smtp.old.example", 587, ExternalSecurity.STARTTLS, "other", "smtp-pw"
    )
    with pytest.raises(FetchError) as caught:
        smtp_endpoint(account(c, "mail.old.example"), c)
    assert (caught.value.code, caught.value.field) == (FetchErrorCode.INVALID, "smtpHost")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with_auth = Sink(tmp_path_factory.mktemp("a"), auth=("u@far.test", "pw"), auth_tls=False)
    without = Sink(tmp_path_factory.mktemp("b"))
    with_auth.start()
    without.start()
    yield with_auth, without
    with_auth.stop()
    without.stop()


async def login(port: int, password: str, *, private: bool = True) -> None:
    await check_login(
        SmtpEndpoint("127.0.0.1", port, ExternalSecurity.NONE, "u@far.test", password),
        timeout=5,
        private_hosts=private,
        local_hostname="qiyou.test",
    )


async def test_the_login_is_tried_and_each_failure_is_typed(servers):
    with_auth, without = servers
    await login(with_auth.port, "pw")
    failures = {}
    for name, call in {
        "wrong password": login(with_auth.port, "wrong"),
        "closed port": login(free_port(), "pw"),
        "no AUTH": login(without.port, "pw"),
        "private address": login(with_auth.port, "pw", private=False),
    }.items():
        with pytest.raises(FetchError) as caught:
            await call
        failures[name] = (caught.value.code, caught.value.field)
    assert failures == {
        "wrong password": (FetchErrorCode.LOGIN_FAILED, "smtpPassword"),
        "closed port": (FetchErrorCode.CONNECT_FAILED, "smtpHost"),
        "no AUTH": (FetchErrorCode.PROTOCOL, "smtpHost"),
        "private address": (FetchErrorCode.INVALID, "smtpHost"),
    }

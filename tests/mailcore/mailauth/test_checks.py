"""SPF, DKIM and DMARC checks against a real DNS server on the loopback (tests/e2e/dnsserver)."""

from __future__ import annotations

import pytest

from mailcore.dns.resolver import StubResolver
from mailcore.domains.dkim import _generate
from mailcore.mailauth import dkim
from mailcore.mailauth.check import check_inbound, strip_forged
from mailcore.mailauth.results import Disposition
from tests.e2e.dnsserver import DnsServer

MAIL = (
    b"From: Ann <ann@sender.test>\r\nTo: bob@example.com\r\nSubject: hi\r\n"
    b"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@sender.test>\r\n\r\nhello\r\n"
)


def _txt(value: str) -> list[str]:
    return [" ".join(f'"{value[i : i + 200]}"' for i in range(0, len(value), 200))]


@pytest.fixture(scope="module")
def dns():
    server = DnsServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def key(dns):
    pem, public = _generate()
    dns.set("s1._domainkey.sender.test", "TXT", _txt(f"v=DKIM1; k=rsa; p={public}"))
    return pem


@pytest.fixture
def resolver(dns):
    return StubResolver((dns.address,), timeout=2)


async def test_dkim_sign_then_verify_round_trip(dns, key, resolver):
    signed = await dkim.sign(MAIL.replace(b"\r\n", b"\n"), "sender.test", "s1", key)
    assert signed.startswith(b"DKIM-Signature:") and b"\n" not in signed.replace(b"\r\n", b"")
    [result] = await dkim.verify(signed, resolver)
    assert (result.result, result.domain, result.selector) == ("pass", "sender.test", "s1")
    [bad] = await dkim.verify(signed.replace(b"hello", b"jello"), resolver)
    assert bad.result == "fail"
    assert await dkim.verify(MAIL, resolver) == []


async def test_spf_and_dmarc_outcomes(dns, key, resolver):
    dns.set("sender.test", "TXT", _txt("v=spf1 ip4:192.0.2.0/24 include:inc.sender.test -all"))
    dns.set("inc.sender.test", "TXT", _txt("v=spf1 ip4:198.51.100.7 ~all"))
    dns.set("_dmarc.sender.test", "TXT", _txt("v=DMARC1; p=quarantine; aspf=r"))
    passed = await check_inbound(
        resolver, MAIL, ip="198.51.100.7", helo="h", mail_from="x@sender.test"
    )
    assert (passed.spf, passed.dmarc, passed.disposition) == ("pass", "pass", Disposition.NONE)
    failed = await check_inbound(
        resolver, MAIL, ip="203.0.113.9", helo="h", mail_from="x@sender.test"
    )
    assert (failed.spf, failed.dmarc) == ("fail", "fail")
    assert failed.disposition is Disposition.QUARANTINE
    header = failed.header("mx.example.com")
    assert header.startswith("Authentication-Results: mx.example.com;")
    assert "spf=fail smtp.mailfrom=x@sender.test" in header
    assert "dmarc=fail (p=quarantine dis=quarantine) header.from=sender.test" in header
    signed = await dkim.sign(MAIL, "sender.test", "s1", key)
    rescued = await check_inbound(
        resolver, signed, ip="203.0.113.9", helo="h", mail_from="x@sender.test"
    )
    assert (rescued.spf, rescued.dmarc) == ("fail", "pass"), "aligned DKIM passes DMARC"
    # A subdomain without its own record takes the organizational domain's policy (sp=).
    dns.set("_dmarc.sender.test", "TXT", _txt("v=DMARC1; p=none; sp=reject"))
    sub = MAIL.replace(b"ann@sender.test", b"ann@news.sender.test")
    other = await check_inbound(resolver, sub, ip="203.0.113.9", helo="h", mail_from="")
    assert other.dmarc == "fail" and other.disposition is Disposition.REJECT


async def test_dns_failures_are_temporary_errors(dns, resolver):
    dns.servfail.add("broken.test")
    dns.servfail.add("_dmarc.broken.test")
    mail = MAIL.replace(b"sender.test", b"broken.test")
    result = await check_inbound(
        resolver, mail, ip="192.0.2.1", helo="h", mail_from="a@broken.test"
    )
    assert result.spf == "temperror" and result.dmarc == "temperror"
    assert result.disposition is Disposition.NONE


def test_forged_results_claiming_our_name_are_removed():
    raw = (
        b"Authentication-Results: mx.example.com; spf=pass\r\n\tdkim=pass\r\n"
        b"Authentication-Results: other.example; spf=fail\r\nSubject: x\r\n\r\nbody\r\n"
    )
    kept = strip_forged(raw, "mx.example.com")
    assert kept == b"Authentication-Results: other.example; spf=fail\r\nSubject: x\r\n\r\nbody\r\n"

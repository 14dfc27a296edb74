"""Each DNS check names what it found as a ``ReasonCode`` beside its English sentence, so the
admin console can say it in the reader's language; against a real DNS server on the loopback."""

from __future__ import annotations

import pytest

from mailcore.dns.resolver import StubResolver
from mailcore.domains.records import DnsRecord, RecordStatus
from mailcore.domains.verify import ReasonCode, check_record
from tests.e2e.dnsserver import DnsServer

HOST = "mail.qiyou.test"
KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest"


def _record(key: str, rdtype: str, name: str, value: str = HOST) -> DnsRecord:
    return DnsRecord(key, rdtype, name, value, "", True)


@pytest.fixture(scope="module")
def dns():
    server = DnsServer().start()
    server.set("ok.test", "MX", [f"10 {HOST}."])
    server.set("ok.test", "TXT", ['"v=spf1 mx -all"'])
    server.set("s1._domainkey.ok.test", "TXT", [f'"v=DKIM1; k=rsa; p={KEY}"'])
    server.set("_dmarc.ok.test", "TXT", ['"v=DMARC1; p=quarantine"'])
    server.set("_dmarc.watch.test", "TXT", ['"v=DMARC1; p=none"'])
    server.set("wrong.test", "MX", ["10 mx.elsewhere.test."])
    server.set("wrong.test", "TXT", ['"v=spf1 a:other.test -all"', '"unrelated"'])
    server.set("two.test", "TXT", ['"v=spf1 mx -all"', '"v=spf1 a -all"'])
    server.set("s1._domainkey.wrong.test", "TXT", ['"v=DKIM1; k=rsa; p="'])
    server.set("s1._domainkey.two.test", "TXT", ['"v=DKIM1; k=rsa; p=OTHER"'])
    server.set("_dmarc.wrong.test", "TXT", ['"v=DMARC1; p=maybe"'])
    server.set("autoconfig.ok.test", "CNAME", [f"{HOST}."])
    server.set("autoconfig.wrong.test", "CNAME", ["elsewhere.test."])
    server.set("_imaps._tcp.ok.test", "SRV", [f"0 1 993 {HOST}."])
    server.set("_imaps._tcp.wrong.test", "SRV", ["0 1 143 elsewhere.test."])
    server.set("_dmarc.none.test", "A", ["192.0.2.1"])
    server.servfail.add("broken.test")
    yield server
    server.stop()


CASES = [
    (_record("MX", "MX", "ok.test"), RecordStatus.OK, ReasonCode.MX_OK),
    (_record("MX", "MX", "wrong.test"), RecordStatus.WRONG, ReasonCode.MX_WRONG),
    (_record("MX", "MX", "none.test"), RecordStatus.MISSING, ReasonCode.MX_MISSING),
    (_record("SPF", "TXT", "ok.test"), RecordStatus.OK, ReasonCode.SPF_OK),
    (_record("SPF", "TXT", "wrong.test"), RecordStatus.WRONG, ReasonCode.SPF_WRONG),
    (_record("SPF", "TXT", "two.test"), RecordStatus.WRONG, ReasonCode.SPF_DUPLICATE),
    (_record("SPF", "TXT", "none.test"), RecordStatus.MISSING, ReasonCode.SPF_MISSING),
    (_record("DKIM", "TXT", "s1._domainkey.ok.test"), RecordStatus.OK, ReasonCode.DKIM_OK),
    (
        _record("DKIM", "TXT", "s1._domainkey.wrong.test"),
        RecordStatus.WRONG,
        ReasonCode.DKIM_REVOKED,
    ),
    (_record("DKIM", "TXT", "s1._domainkey.two.test"), RecordStatus.WRONG, ReasonCode.DKIM_WRONG),
    (
        _record("DKIM", "TXT", "s1._domainkey.none.test"),
        RecordStatus.MISSING,
        ReasonCode.DKIM_MISSING,
    ),
    (_record("DMARC", "TXT", "_dmarc.ok.test"), RecordStatus.OK, ReasonCode.DMARC_OK),
    (_record("DMARC", "TXT", "_dmarc.watch.test"), RecordStatus.OK, ReasonCode.DMARC_MONITORING),
    (_record("DMARC", "TXT", "_dmarc.wrong.test"), RecordStatus.WRONG, ReasonCode.DMARC_NO_POLICY),
    (_record("DMARC", "TXT", "_dmarc.none.test"), RecordStatus.MISSING, ReasonCode.DMARC_MISSING),
    (_record("AUTOCONFIG", "CNAME", "autoconfig.ok.test"), RecordStatus.OK, ReasonCode.CNAME_OK),
    (
        _record("AUTOCONFIG", "CNAME", "autoconfig.wrong.test"),
        RecordStatus.WRONG,
        ReasonCode.CNAME_WRONG,
    ),
    (
        _record("AUTOCONFIG", "CNAME", "autoconfig.none.test"),
        RecordStatus.MISSING,
        ReasonCode.CNAME_MISSING,
    ),
    (
        _record("IMAPS", "SRV", "_imaps._tcp.ok.test", f"0 1 993 {HOST}"),
        RecordStatus.OK,
        ReasonCode.SRV_OK,
    ),
    (
        _record("IMAPS", "SRV", "_imaps._tcp.wrong.test", f"0 1 993 {HOST}"),
        RecordStatus.WRONG,
        ReasonCode.SRV_WRONG,
    ),
    (
        _record("IMAPS", "SRV", "_imaps._tcp.none.test", f"0 1 993 {HOST}"),
        RecordStatus.MISSING,
        ReasonCode.SRV_MISSING,
    ),
    (_record("MX", "MX", "broken.test"), RecordStatus.UNKNOWN, ReasonCode.LOOKUP_FAILED),
]


@pytest.mark.parametrize(("record", "status", "code"), CASES, ids=lambda c: str(c))
async def test_every_check_names_what_it_found_as_a_code(dns, record, status, code):
    resolver = StubResolver((dns.address,), timeout=2)
    check = await check_record(resolver, record, hostname=HOST, public_key=KEY)
    assert (check.status, check.code) == (status, code), check.reason
    assert check.reason  # the English sentence stays beside the code

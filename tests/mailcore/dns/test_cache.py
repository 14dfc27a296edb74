"""The DNS answer cache of the inbound checks, against a real loopback DNS server."""

from __future__ import annotations

import pytest

from mailcore.dns import DnsError
from mailcore.dns.cache import CachingResolver
from mailcore.dns.resolver import StubResolver
from tests.e2e.dnsserver import DnsServer


@pytest.fixture
def dns():
    server = DnsServer().start()
    yield server
    server.stop()


async def test_answers_are_kept_for_the_ttl_and_failures_are_not(dns):
    dns.set("sender.test", "TXT", ['"v=spf1 -all"'])
    plain = StubResolver((dns.address,), timeout=1)
    cached = CachingResolver(plain, ttl=60)
    assert await cached.txt("Sender.Test.") == ["v=spf1 -all"]
    dns.set("sender.test", "TXT", ['"v=spf1 +all"'])
    assert await cached.txt("sender.test") == ["v=spf1 -all"], "kept for the TTL"
    assert await plain.txt("sender.test") == ["v=spf1 +all"]
    assert await cached.txt("nothing.test") == []  # NXDOMAIN is an answer: kept too
    asked = len(dns.queries)
    assert await cached.txt("nothing.test") == []
    assert len(dns.queries) == asked

    dns.servfail.add("broken.test")
    with pytest.raises(DnsError):
        await cached.txt("broken.test")
    dns.servfail.discard("broken.test")
    dns.set("broken.test", "TXT", ['"fixed"'])
    assert await cached.txt("broken.test") == ["fixed"], "a failure is not cached"


async def test_ttl_zero_always_asks(dns):
    dns.set("fresh.test", "TXT", ['"one"'])
    cached = CachingResolver(StubResolver((dns.address,), timeout=1), ttl=0)
    assert await cached.txt("fresh.test") == ["one"]
    dns.set("fresh.test", "TXT", ['"two"'])
    assert await cached.txt("fresh.test") == ["two"]

"""The DNS answer cache of the inbound checks, against a real loopback DNS server."""

from __future__ import annotations

import pytest

from mailcore.dns import DnsError
from mailcore.dns.cache import CachingResolver
from mailcore.dns.resolver import StubResolver
from mailcore.mailauth.spf import check_spf
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


async def test_an_spf_result_is_kept_per_ip_sender_and_helo_but_not_a_temporary_error(dns):
    dns.set("partner.test", "TXT", ['"v=spf1 ip4:192.0.2.10 -all"'])
    cached = CachingResolver(StubResolver((dns.address,), timeout=1), ttl=60)
    sender = "news@partner.test"
    assert await check_spf(cached, "192.0.2.10", sender, "mx.partner.test") == (
        "pass",
        "partner.test",
    )
    asked = len(dns.queries)
    assert (await check_spf(cached, "192.0.2.10", sender, "mx.partner.test"))[0] == "pass"
    assert len(dns.queries) == asked
    # Another IP is evaluated (from the kept TXT answer), and fails.
    assert (await check_spf(cached, "198.51.100.7", sender, "mx.partner.test"))[0] == "fail"

    dns.servfail.add("flaky.test")
    assert (await check_spf(cached, "192.0.2.10", "a@flaky.test", "h.test"))[0] == "temperror"
    dns.servfail.discard("flaky.test")
    dns.set("flaky.test", "TXT", ['"v=spf1 ip4:192.0.2.10 -all"'])
    assert (await check_spf(cached, "192.0.2.10", "a@flaky.test", "h.test"))[0] == "pass"


async def test_derived_results_are_kept_unless_the_caller_says_not_to(dns):
    cached = CachingResolver(StubResolver((dns.address,), timeout=1), ttl=60)
    runs: list[str] = []

    async def evaluate(outcome: str) -> str:
        runs.append(outcome)
        return outcome

    def keep(result: str) -> bool:
        return result != "temperror"

    assert await cached.derived(("spf", "a"), lambda: evaluate("pass"), keep) == "pass"
    assert await cached.derived(("spf", "a"), lambda: evaluate("fail"), keep) == "pass"
    assert await cached.derived(("spf", "b"), lambda: evaluate("temperror"), keep) == "temperror"
    assert await cached.derived(("spf", "b"), lambda: evaluate("pass"), keep) == "pass"
    assert runs == ["pass", "temperror", "pass"]

"""SPF (RFC 7208) through pyspf, with its DNS lookups answered by our injectable resolver.

pyspf is synchronous: it runs in a worker thread and each lookup is handed to the event
loop that owns the resolver. Behind a ``CachingResolver`` (the MX path) a result is kept as
long as DNS answers are, per (IP, sender, HELO); a temporary error is never kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import spf

from mailcore.dns import DnsError, Resolver
from mailcore.dns.cache import CachingResolver

LOOKUP_TIMEOUT = 20.0  # all SPF lookups of one check together (RFC 7208 4.6.4 suggests 20s)


class _Query(spf.query):
    """A pyspf query whose DNS goes through ``Resolver`` instead of dnspython's defaults."""

    def __init__(self, *args: Any, resolver: Resolver, loop: asyncio.AbstractEventLoop, **kw):
        super().__init__(*args, **kw)
        self._resolver = resolver
        self._loop = loop

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result(LOOKUP_TIMEOUT)
        except DnsError as exc:
            raise spf.TempError(f"DNS {exc.message}") from exc
        except TimeoutError as exc:
            raise spf.TempError("DNS timeout") from exc

    def dns(self, name, qtype, cnames=None, ignore_void=False):  # noqa: ANN001 - pyspf's API
        name = str(name).rstrip(".").lower()
        if not name or any(not 0 < len(label) < 64 for label in name.split(".")):
            return []
        key = (name, qtype)
        if key in self.cache:
            return self.cache[key]
        resolver = self._resolver
        if qtype in ("TXT", "SPF"):
            result = [[t.encode("utf-8", "replace")] for t in self._run(resolver.txt(name))]
        elif qtype == "A":
            result = self._run(resolver.a(name))
        elif qtype == "AAAA":
            result = self._run(resolver.aaaa(name))
        elif qtype == "MX":
            result = [(r.preference, r.exchange) for r in self._run(resolver.mx(name))]
        else:  # PTR: not offered by the resolver interface; the ptr mechanism does not match
            result = []
        self.cache[key] = result
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


async def check_spf(resolver: Resolver, ip: str, mail_from: str, helo: str) -> tuple[str, str]:
    """(result, domain checked): MAIL FROM's domain, or the HELO name for a null sender."""
    sender = mail_from or f"postmaster@{helo}"
    domain = sender.rpartition("@")[2].lower()
    if not ip or not domain:
        return "none", domain
    name = helo or domain  # the HELO name pyspf checks (the sender's domain without one)
    if isinstance(resolver, CachingResolver):  # the result lives as long as its answers
        key = ("spf", ip, sender.lower(), name.lower())
        result = await resolver.derived(
            key, lambda: _evaluate(resolver, ip, sender, name), _not_temporary
        )
    else:
        result = await _evaluate(resolver, ip, sender, name)
    return result, domain


def _not_temporary(result: str) -> bool:
    return result != "temperror"


async def _evaluate(resolver: Resolver, ip: str, sender: str, helo: str) -> str:
    loop = asyncio.get_running_loop()

    def run() -> str:
        query = _Query(i=ip, s=sender, h=helo, resolver=resolver, loop=loop)
        result, _code, _explanation = query.check()
        return str(result)

    try:
        return await asyncio.to_thread(run)
    except Exception:  # noqa: BLE001 - a malformed record or address is a permanent error
        return "permerror"

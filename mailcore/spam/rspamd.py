"""rspamd over its HTTP protocol: ``POST /checkv2`` with the message, facts as headers."""

from __future__ import annotations

import logging

import httpx

from mailcore.spam import MessageFacts, SpamVerdict

log = logging.getLogger(__name__)


class RspamdChecker:
    name = "rspamd"

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.url = f"{base_url}/checkv2"
        self.timeout = timeout

    async def check(self, raw: bytes, facts: MessageFacts) -> SpamVerdict | None:
        headers = {"Content-Type": "message/rfc822"}
        if facts.ip:
            headers["IP"] = facts.ip
        if facts.helo:
            headers["Helo"] = facts.helo
        if facts.mail_from:
            headers["From"] = facts.mail_from
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(
                    self.url,
                    content=raw,
                    headers=[*headers.items(), *(("Rcpt", r) for r in facts.recipients)],
                )
                response.raise_for_status()
                data = response.json()
            score = float(data["score"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("rspamd check failed, mail not scored: %s", exc)
            return None
        symbols = sorted((data.get("symbols") or {}).keys())
        return SpamVerdict(round(score, 2), symbols, self.name)

"""The built-in spam checker: a handful of transparent heuristics, each with a fixed score.

| rule | score |
|---|---|
| DMARC fail | 3.0 |
| SPF fail / softfail | 3.0 / 1.5 |
| a DKIM signature that does not verify | 1.5 |
| subject in capitals (10+ letters, none lowercase) | 1.5 |
| each known spam phrase in subject or text (at most 3 counted) | 2.5 |
| no Date header / no Message-ID header | 1.0 / 1.0 |

The default threshold is 5.0, so no single rule makes mail spam on its own.
"""

from __future__ import annotations

import re

from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.types import ParsedMessage
from mailcore.spam import MessageFacts, SpamVerdict

PHRASES = (
    "viagra",
    "cialis",
    "you have won",
    "you've won",
    "lottery winner",
    "claim your prize",
    "100% free",
    "risk-free investment",
    "double your money",
    "online casino",
    "nigerian prince",
    "wire the funds",
    "代开发票",
    "发票代开",
    "中奖通知",
    "恭喜您中奖",
    "博彩",
    "网赌",
    "无抵押贷款",
)
MAX_PHRASES = 3
TEXT_LIMIT = 100_000


def _text(raw: bytes, parsed: ParsedMessage | None = None) -> tuple[str, str, bool, bool]:
    """Subject, body text, and whether Date and Message-ID are there — through our own MIME
    parser (several times cheaper on the event loop than the stdlib's default policy), or
    from the caller's parse of the same message."""
    parsed = parsed or parse_message(raw[: TEXT_LIMIT * 2])
    return (
        parsed.subject,
        (parsed.text or "")[:TEXT_LIMIT],
        parsed.date is not None,
        bool(parsed.message_id),
    )


class BuiltinChecker:
    name = "builtin"

    async def check(self, raw: bytes, facts: MessageFacts) -> SpamVerdict | None:
        subject, body, has_date, has_id = _text(raw, facts.parsed)
        score, symbols = 0.0, []

        def hit(symbol: str, points: float) -> None:
            nonlocal score
            score += points
            symbols.append(f"{symbol}({points:g})")

        auth = facts.auth
        if auth is not None:
            if auth.dmarc == "fail":
                hit("DMARC_FAIL", 3.0)
            if auth.spf == "fail":
                hit("SPF_FAIL", 3.0)
            elif auth.spf == "softfail":
                hit("SPF_SOFTFAIL", 1.5)
            if any(s.result == "fail" for s in auth.dkim):
                hit("DKIM_INVALID", 1.5)
        letters = re.sub(r"[^A-Za-z]", "", subject)
        if len(letters) >= 10 and letters.isupper():
            hit("SUBJECT_ALL_CAPS", 1.5)
        text = f"{subject}\n{body}".lower()
        found = [p for p in PHRASES if p in text][:MAX_PHRASES]
        for _ in found:
            hit("SPAM_PHRASE", 2.5)
        if not has_date:
            hit("MISSING_DATE", 1.0)
        if not has_id:
            hit("MISSING_MID", 1.0)
        return SpamVerdict(round(score, 2), symbols, self.name)

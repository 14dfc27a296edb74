"""Screening of inbound (MX) mail before it is stored: authentication, lists, spam.

``screen`` decides, for one message and its recipient members, whether the message is
refused (a hosted domain claimed without SPF/DKIM, see ``spoofing``; DMARC ``reject``),
which folder each copy goes to (Inbox or Spam) and which trace headers are prepended
(``Authentication-Results``, ``X-Spam*``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import FolderRole, Member
from mailcore.dns import Resolver
from mailcore.mailauth import spoofing
from mailcore.mailauth.check import check_inbound, from_address
from mailcore.mailauth.results import AuthResults, Disposition
from mailcore.policy import lists
from mailcore.policy.lists import Verdict
from mailcore.spam import MessageFacts, SpamChecker, SpamVerdict
from mailcore.spam.settings import policies

log = logging.getLogger(__name__)

DMARC_REJECT = "550 5.7.1 Message rejected: it fails the DMARC policy (p=reject) of {domain}"


@dataclass
class Screening:
    refusal: str | None = None  # an SMTP reply refusing the whole message
    headers: str = ""  # trace headers to prepend (CRLF-terminated lines)
    roles: dict[int, FolderRole] = field(default_factory=dict)
    auth: AuthResults | None = None
    spam: SpamVerdict | None = None
    spoofed: list[str] = field(default_factory=list)  # hosted domains claimed, unverified


async def screen(
    raw: bytes,
    *,
    ip: str,
    helo: str,
    mail_from: str,
    recipients: list[str],
    member_ids: list[int],
    resolver: Resolver,
    checker: SpamChecker,
    hostname: str,
    parsed: ParsedMessage | None = None,
    enterprises: dict[int, int] | None = None,
) -> Screening:
    """``enterprises``: member id → enterprise id for the recipients the caller knows already
    (the rest are looked up)."""
    result = Screening()
    try:
        author = from_address(raw)
    except Exception:  # noqa: BLE001 - an unreadable From header: no author
        author = ""
    try:
        auth = await check_inbound(
            resolver, raw, ip=ip, helo=helo, mail_from=mail_from, author=author
        )
    except Exception:  # noqa: BLE001 - a broken check must not lose or refuse mail
        log.exception("authentication checks failed")
        auth = AuthResults(spf="temperror", mail_from=mail_from, helo=helo, dmarc="temperror")
    result.auth = auth
    claim = await spoofing.judge(auth, ip=ip, mail_from=mail_from, author=author)
    if claim.refusal:
        result.refusal = claim.refusal
        return result
    result.spoofed = claim.spoofed
    if auth.disposition is Disposition.REJECT:
        result.refusal = DMARC_REJECT.format(domain=auth.header_from)
        return result
    senders = [s for s in (mail_from, author) if s]
    verdicts = await lists.verdicts(senders, member_ids)
    wanted = set(member_ids)
    enterprises = {m: e for m, e in (enterprises or {}).items() if m in wanted}
    if missing := [m for m in member_ids if m not in enterprises]:
        enterprises.update(await Member.filter(id__in=missing).values_list("id", "enterprise_id"))
    spam_policies = await policies(set(enterprises.values()))
    wants_check = [
        m
        for m in member_ids
        if verdicts.get(m, Verdict.NONE) is not Verdict.ALLOW
        and spam_policies.get(enterprises.get(m, 0), None) is not None
        and spam_policies[enterprises[m]].enabled
    ]
    spam = None
    if wants_check:
        facts = MessageFacts(ip, helo, mail_from, tuple(recipients), auth, parsed)
        try:
            spam = await checker.check(raw, facts)
        except Exception:  # noqa: BLE001 - an outage of the filter never loses mail
            log.exception("spam check failed")
    result.spam = spam
    flagged = False
    for member_id in member_ids:
        verdict = verdicts.get(member_id, Verdict.NONE)
        policy = spam_policies.get(enterprises.get(member_id, 0))
        is_spam = False
        if verdict in (Verdict.SPAM, Verdict.REFUSE) or result.spoofed:
            is_spam = True  # a claimed hosted domain: Spam even for an allowed sender
        elif verdict is not Verdict.ALLOW:
            if auth.disposition is Disposition.QUARANTINE:
                is_spam = True
            elif spam is not None and policy is not None and policy.enabled:
                is_spam = spam.score >= policy.threshold
        flagged = flagged or is_spam
        result.roles[member_id] = FolderRole.SPAM if is_spam else FolderRole.INBOX
    lines = [auth.header(hostname)]
    if spam is not None:
        symbols = ", ".join(spam.symbols)[:900].replace("\r", " ").replace("\n", " ")
        lines.append(
            f"X-Spam-Status: {'Yes' if flagged else 'No'}, score={spam.score:g}"
            f" checker={spam.checker}\r\n\ttests=[{symbols}]\r\n"
        )
    if flagged:
        lines.append("X-Spam: Yes\r\n")
    result.headers = "".join(lines)
    return result

"""Mail from outside claiming a domain hosted here (issue 13, finding 7).

Qiyou knows which domains are its own, so it does not wait for their DMARC records: mail
arriving at the MX whose header From domain or envelope (MAIL FROM) domain is hosted here,
and which passes neither SPF nor DKIM aligned with that domain, is treated with DMARC
``p=reject`` semantics whatever DNS publishes. The enterprise owning the domain may choose
Spam with a visible warning instead (``SpoofAction.SPAM``) and list partner servers
(IPs/CIDRs) allowed to send as its domains without SPF or DKIM. Mail between hosted
enterprises never meets this: it is delivered by the ingest path, not through the MX.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Domain, SpoofAction, SpoofMark, SpoofSetting
from mailcore.mailauth.dmarc import aligned
from mailcore.mailauth.results import AuthResults
from mailcore.policy.presence import Presence

MAX_PARTNERS = 200
HOSTED_TTL = 5.0  # seconds a process keeps the list of hosted domains
REFUSED = (
    "550 5.7.1 Message rejected: it claims to be from {domain}, a domain hosted here, but "
    "passes neither SPF nor DKIM for it"
)
UNVERIFIED = (
    "451 4.7.5 Mail claiming to be from {domain} could not be verified (DNS error): try again later"
)
WARNING = (
    "This message claims to come from {domain}, a domain of this mail system, but it came "
    "from outside and could not be verified: it may be forged."
)


@dataclass(frozen=True)
class SpoofPolicy:
    action: SpoofAction = SpoofAction.REJECT
    partners: tuple[str, ...] = ()

    def exempts(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.partners)


@dataclass
class Verdict:
    refusal: str | None = None  # an SMTP reply refusing the message
    spoofed: list[str] = field(default_factory=list)  # claimed domains, when sent to Spam


# --- the administrators' setting -----------------------------------------------------------


async def get_policy(scope: AdminScope) -> SpoofPolicy:
    scope.require(AdminPermission.POLICIES)
    return (await policies([scope.enterprise_id]))[scope.enterprise_id]


def _networks(values: list[str]) -> tuple[str, ...]:
    if len(values) > MAX_PARTNERS:
        raise AdminError(
            AdminErrorCode.INVALID, f"at most {MAX_PARTNERS} partner servers", "partners"
        )
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise AdminError(
                AdminErrorCode.INVALID,
                f"{value!r} is not an IP address or network (CIDR)",
                "partners",
            ) from None
    return tuple(dict.fromkeys(networks))


async def set_policy(
    scope: AdminScope, action: SpoofAction | None = None, partners: list[str] | None = None
) -> SpoofPolicy:
    scope.require(AdminPermission.POLICIES)
    current = await get_policy(scope)
    new = SpoofPolicy(
        action=current.action if action is None else action,
        partners=current.partners if partners is None else _networks(partners),
    )
    values = {"action": new.action, "partners": list(new.partners)}
    if not await SpoofSetting.filter(enterprise_id=scope.enterprise_id).update(**values):
        await SpoofSetting.create(enterprise_id=scope.enterprise_id, **values)
    await record(scope, "spoofing.set", "", mode=new.action.value, partners=values["partners"])
    return new


async def _enterprises_with_a_setting() -> list[int]:
    return list(await SpoofSetting.all().values_list("enterprise_id", flat=True))


WITH_SETTING = Presence(_enterprises_with_a_setting)  # most keep the default: no query


async def policies(enterprise_ids: list[int] | set[int]) -> dict[int, SpoofPolicy]:
    configured = await WITH_SETTING.owners()
    wanted = [e for e in enterprise_ids if e in configured]
    rows = {
        s.enterprise_id: SpoofPolicy(s.action, tuple(s.partners or ()))
        for s in (await SpoofSetting.filter(enterprise_id__in=wanted) if wanted else [])
    }
    return {e: rows.get(e, SpoofPolicy()) for e in enterprise_ids}


# --- the MX check --------------------------------------------------------------------------


class _Hosted:
    """Hosted domain name → enterprise id, kept ``HOSTED_TTL`` seconds per process (one
    query per message would add up on the MX path)."""

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._until = 0.0

    async def enterprises(self, names: set[str]) -> dict[str, int]:
        now = time.monotonic()
        if now >= self._until:
            rows = await Domain.all().values_list("name", "enterprise_id")
            self._names, self._until = {n.lower(): e for n, e in rows}, now + HOSTED_TTL
        return {n: self._names[n] for n in names if n in self._names}


HOSTED = _Hosted()


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().rstrip(".").lower() if "@" in address else ""


def _passes(auth: AuthResults, domain: str) -> bool:
    """SPF or DKIM passed for ``domain`` or a domain aligned with it (relaxed, as DMARC)."""
    if auth.spf == "pass" and auth.spf_domain and aligned(auth.spf_domain, domain, False):
        return True
    return any(aligned(d, domain, False) for d in auth.dkim_pass_domains)


def _temporary(auth: AuthResults, domain: str) -> bool:
    """A DNS error may have hidden a pass."""
    return auth.spf == "temperror" or any(
        s.result == "temperror" and aligned(s.domain, domain, False) for s in auth.dkim
    )


async def judge(auth: AuthResults, *, ip: str, mail_from: str, author: str) -> Verdict:
    """What to do with one message arriving at the MX, given its SPF/DKIM results."""
    claimed = {d for d in (_domain(author), _domain(mail_from)) if d}
    hosted = await HOSTED.enterprises(claimed) if claimed else {}
    failing = {d: e for d, e in hosted.items() if not _passes(auth, d)}
    if not failing:
        return Verdict()
    settings = await policies(set(failing.values()))
    verdict = Verdict()
    for domain, enterprise in sorted(failing.items()):
        policy = settings[enterprise]
        if policy.exempts(ip):
            continue
        if policy.action is SpoofAction.SPAM:
            verdict.spoofed.append(domain)
        elif _temporary(auth, domain):
            return Verdict(refusal=UNVERIFIED.format(domain=domain))
        else:
            return Verdict(refusal=REFUSED.format(domain=domain))
    return verdict


# --- the mark on a message delivered to Spam -----------------------------------------------


async def mark(message_pk: int, domains: list[str]) -> None:
    """Record the warning (inside the ingest transaction, ``IngestRequest.on_commit``)."""
    if not await SpoofMark.exists(message_id=message_pk):
        await SpoofMark.create(message_id=message_pk, domain=",".join(domains)[:255])


async def warning(message_pk: int) -> str | None:
    """The warning to show on a message, or None."""
    return (await warnings([message_pk])).get(message_pk)


async def warnings(message_pks: list[int]) -> dict[int, str]:
    """The warnings of several messages in one query (message pk → warning; unmarked
    messages are left out)."""
    if not message_pks:
        return {}
    rows = SpoofMark.filter(message_id__in=set(message_pks)).values_list("message_id", "domain")
    return {pk: WARNING.format(domain=domain) for pk, domain in await rows}

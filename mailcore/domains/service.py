"""Domain administration: list, add (extra or alias), remove, rotate DKIM, DNS records, verify.

Listing and DNS work need the ``domains`` permission; adding and removing domains is for
super administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.clients.endpoints import client_setup
from mailcore.core.config import Settings
from mailcore.core.models import AdminPermission, Alias, Domain, MailGroup, Member
from mailcore.dns import Resolver
from mailcore.domains.dkim import ensure_dkim, generate_key_pair, new_selector
from mailcore.domains.records import DnsRecord, RecordStatus, expected_records
from mailcore.domains.verify import ReasonCode, check_records
from mailcore.org import service as org
from mailcore.org.addresses import ascii_domain, normalize_domain
from mailcore.org.errors import OrgError

_ORG_CODES = {
    "INVALID": AdminErrorCode.INVALID,
    "ALREADY_EXISTS": AdminErrorCode.ALREADY_EXISTS,
    "NOT_FOUND": AdminErrorCode.NOT_FOUND,
}


@dataclass(frozen=True)
class RecordState:
    record: DnsRecord
    status: RecordStatus
    reason: str
    checked_at: datetime | None
    code: ReasonCode | None = None  # None for results stored before codes were


@dataclass(frozen=True)
class DomainRecords:
    domain: Domain
    records: list[RecordState]

    @property
    def verified(self) -> bool:
        return all(r.status == RecordStatus.OK for r in self.records if r.record.required)


def kind_of(domain: Domain) -> str:
    return "PRIMARY" if domain.is_primary else "ALIAS" if domain.is_alias else "EXTRA"


async def list_domains(scope: AdminScope) -> list[Domain]:
    """The enterprise's domains, primary first; keys are made for domains that have none."""
    scope.require(AdminPermission.DOMAINS)
    domains = await Domain.filter(enterprise_id=scope.enterprise_id).order_by("-is_primary", "name")
    return [await ensure_dkim(d) for d in domains]


async def get_domain(scope: AdminScope, name: str) -> Domain:
    scope.require(AdminPermission.DOMAINS)
    domain = await Domain.filter(name=normalize_domain(name)).first()
    if domain is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no domain {name}", "domain")
    scope.require_enterprise(domain.enterprise_id)
    return await ensure_dkim(domain)


async def add_domain(scope: AdminScope, name: str, *, alias: bool) -> Domain:
    """Host another domain for the enterprise: an extra domain, or an alias of the primary."""
    if not scope.is_super:
        raise forbidden("only a super administrator may add domains")
    primary = await Domain.filter(enterprise_id=scope.enterprise_id, is_primary=True).first()
    if primary is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, "the enterprise has no primary domain", "name")
    try:
        async with in_transaction():
            if alias:
                domain = await org.add_domain(name, alias_of=primary.name)
            else:
                domain = await org.add_domain(name, enterprise_id=scope.enterprise_id)
            await record(scope, "domain.add", domain.name, kind=kind_of(domain))
    except OrgError as exc:
        raise AdminError(
            _ORG_CODES.get(exc.code.value, AdminErrorCode.INVALID), exc.message, "name"
        ) from exc
    return domain


async def remove_domain(scope: AdminScope, name: str) -> None:
    """Stop hosting a domain nobody uses: never the primary, nor one with addresses on it."""
    if not scope.is_super:
        raise forbidden("only a super administrator may remove domains")
    domain = await Domain.filter(name=normalize_domain(name)).first()
    if domain is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no domain {name}", "name")
    scope.require_enterprise(domain.enterprise_id)
    if domain.is_primary:
        raise AdminError(AdminErrorCode.CONFLICT, "the primary domain cannot be removed", "name")
    at = f"@{domain.name}"
    async with in_transaction():
        members = await Member.filter(domain_id=domain.id).count()
        if members:
            raise AdminError(
                AdminErrorCode.HAS_MEMBERS,
                f"{members} member(s) have addresses in {domain.name}",
                "name",
            )
        if await Alias.filter(email__endswith=at).exists():
            raise AdminError(
                AdminErrorCode.CONFLICT, f"members have alias addresses in {domain.name}", "name"
            )
        if await MailGroup.filter(email__endswith=at).exists():
            raise AdminError(
                AdminErrorCode.CONFLICT, f"mail groups have addresses in {domain.name}", "name"
            )
        await domain.delete()
        await record(scope, "domain.remove", domain.name, kind=kind_of(domain))


async def rotate_dkim(scope: AdminScope, name: str) -> Domain:
    """A new key under a new selector; publish its record, then verify again."""
    domain = await get_domain(scope, name)
    private_key, public_key = await generate_key_pair()
    async with in_transaction():
        domain.dkim_selector = new_selector()
        domain.dkim_private_key = private_key
        domain.dkim_public_key = public_key
        domain.verified_at = None
        await domain.save(
            update_fields=["dkim_selector", "dkim_private_key", "dkim_public_key", "verified_at"]
        )
        await record(scope, "domain.rotate_dkim", domain.name, selector=domain.dkim_selector)
    return domain


def _records(domain: Domain, settings: Settings) -> list[DnsRecord]:
    return expected_records(
        ascii_domain(domain.name),  # DNS knows an IDN domain by its A-labels
        hostname=settings.hostname.lower(),
        selector=domain.dkim_selector,
        public_key=domain.dkim_public_key,
        clients=client_setup(settings),
    )


def _with_status(domain: Domain, records: list[DnsRecord]) -> DomainRecords:
    """Stored results count only for the record as it is now (not an older key or host)."""
    stored = (domain.dns_status or {}).get("records", {})
    checked = (domain.dns_status or {}).get("checkedAt")
    checked_at = datetime.fromisoformat(checked) if checked else None
    states = []
    for rec in records:
        found = stored.get(rec.key, {})
        if found.get("name") == rec.name and found.get("value") == rec.value:
            code = found.get("code")
            states.append(
                RecordState(
                    rec,
                    RecordStatus(found["status"]),
                    found["reason"],
                    checked_at,
                    ReasonCode(code) if code in ReasonCode.__members__ else None,
                )
            )
        else:
            states.append(
                RecordState(
                    rec, RecordStatus.UNKNOWN, "not checked yet", None, ReasonCode.NOT_CHECKED
                )
            )
    return DomainRecords(domain, states)


async def dns_records(scope: AdminScope, name: str, settings: Settings) -> DomainRecords:
    domain = await get_domain(scope, name)
    return _with_status(domain, _records(domain, settings))


async def verify_domain(
    scope: AdminScope, name: str, resolver: Resolver, settings: Settings
) -> DomainRecords:
    """Look the records up now and store the result; verified when MX, SPF, DKIM and DMARC
    are right. When no lookup at all could be answered nothing is stored."""
    domain = await get_domain(scope, name)
    records = _records(domain, settings)
    checks = await check_records(
        resolver, records, hostname=settings.hostname, public_key=domain.dkim_public_key
    )
    if all(c.failed_lookup for c in checks):
        raise AdminError(AdminErrorCode.DNS_UNAVAILABLE, checks[0].reason, "domain")
    now = datetime.now(UTC)
    domain.dns_status = {
        "checkedAt": now.isoformat(),
        "records": {
            rec.key: {
                "name": rec.name,
                "value": rec.value,
                "status": check.status.value,
                "reason": check.reason,
                "code": check.code.value,
            }
            for rec, check in zip(records, checks, strict=True)
        },
    }
    required = [c.status for rec, c in zip(records, checks, strict=True) if rec.required]
    if all(s == RecordStatus.OK for s in required):
        domain.verified_at = now
    elif any(s in (RecordStatus.MISSING, RecordStatus.WRONG) for s in required):
        domain.verified_at = None
    async with in_transaction():
        await Domain.filter(id=domain.id).update(
            dns_status=domain.dns_status, verified_at=domain.verified_at
        )
        await record(scope, "domain.verify", domain.name, verified=domain.verified_at is not None)
    return _with_status(domain, records)

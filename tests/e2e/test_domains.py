"""Enterprise domains (A11): listing, adding and removing, DKIM keys, DNS records, verification.

Verification runs against a real DNS server on the loopback (tests/e2e/dnsserver.py); the
Qiyou server under test is started with QIYOU_DNS_SERVERS pointing at it.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server

HOSTNAME = "mx.qiyou.test"
MAIL_HOST = "mail.qiyou.test"  # what mail clients are told (QIYOU_PUBLIC_MAIL_HOST)
# Advertised behind a port redirect: IMAPS and SMTPS on their usual ports, POP3 not at all.
PUBLIC = {
    "QIYOU_PUBLIC_MAIL_HOST": MAIL_HOST,
    "QIYOU_PUBLIC_IMAPS_PORT": "993",
    "QIYOU_PUBLIC_SUBMISSIONS_PORT": "465",
    "QIYOU_PUBLIC_POP3_PORT": "0",
    "QIYOU_PUBLIC_POP3S_PORT": "0",
}

DOMAINS = "{ domains { name kind dkimSelector dkimPublicKey verified verifiedAt } }"
RECORDS = """
query R($d: String!) {
  dnsRecords(domain: $d) { key type name value priority required status reason }
}
"""
ADD = """
mutation A($n: String!, $k: DomainKind!) {
  addDomain(name: $n, kind: $k) {
    __typename
    ... on EnterpriseDomain { name kind dkimSelector dkimPublicKey verified }
    ... on AdminError { code field message }
  }
}
"""
REMOVE = """
mutation R($n: String!) {
  removeDomain(name: $n) { __typename ... on AdminError { code field message } }
}
"""
ROTATE = """
mutation R($d: String!) {
  rotateDkim(domain: $d) {
    __typename
    ... on EnterpriseDomain { dkimSelector dkimPublicKey verified }
    ... on AdminError { code field message }
  }
}
"""
VERIFY = """
mutation V($d: String!) {
  verifyDomain(domain: $d) {
    __typename
    ... on DomainVerification {
      verified
      domain { name verified verifiedAt }
      records { key status reason }
    }
    ... on AdminError { code field message }
  }
}
"""


SCOPED_ADMINS = """
from mailcore.admin.roles import grant
from mailcore.admin.scope import system_scope
from mailcore.org.service import add_member

for email, permission in args["admins"]:
    member = await add_member(email, args["password"], quota=10**8)
    root = await Department.get(enterprise_id=member.enterprise_id, parent_id=None)
    scope = system_scope(member.enterprise_id)
    await grant(scope, member, permissions=[permission], department_ids=[root.id])
return True
"""


@pytest.fixture(scope="module")
def dns():
    server = DnsServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def qiyou(request: pytest.FixtureRequest, dns: DnsServer, tmp_path_factory):
    """A provisioned ``qiyou serve`` that resolves through ``dns``, its own database."""
    env = {
        "QIYOU_DNS_SERVERS": dns.address,
        "QIYOU_DNS_TIMEOUT": "1",
        "QIYOU_HOSTNAME": HOSTNAME,
        **PUBLIC,
    }
    admins = [("scoped@example.com", "members"), ("dns@example.com", "domains")]

    def add_admins(srv: Server) -> None:
        srv.mailcore(SCOPED_ADMINS, admins=admins, password=PASSWORD)

    data_dir = tmp_path_factory.mktemp(f"domains-{request.param}")
    with private_server(request.param, data_dir, env, before_start=add_admins) as srv:
        yield srv


def new_domain() -> str:
    return f"d{uuid.uuid4().hex[:10]}.test"


def txt(value: str) -> str:
    """A TXT record in zone-file syntax: strings of at most 255 characters."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def publish(dns: DnsServer, records: list[dict], **override: str) -> None:
    """Put the records Qiyou asks for into the zone (``override``: key → other value)."""
    for rec in records:
        value = override.get(rec["key"], rec["value"])
        if rec["type"] == "MX":
            dns.set(rec["name"], "MX", [f"{rec['priority']} {value}."])
        elif rec["type"] == "TXT":
            dns.set(rec["name"], "TXT", [txt(value)])
        elif rec["type"] == "CNAME":
            dns.set(rec["name"], "CNAME", [f"{value}."])
        elif rec["type"] == "SRV":
            dns.set(rec["name"], "SRV", [f"{value}."])


def statuses(result: dict) -> dict[str, str]:
    return {r["key"]: r["status"] for r in result["records"]}


async def admin_of(qiyou: Server, email: str = "admin@example.com"):
    return await login(qiyou.graphql_url, email, PASSWORD)


async def added(admin, kind: str = "EXTRA") -> str:
    name = new_domain()
    result = (await admin.data(ADD, n=name, k=kind))["addDomain"]
    assert result["__typename"] == "EnterpriseDomain", result
    return name


def rsa_2048(public_key: str) -> bool:
    key = serialization.load_der_public_key(base64.b64decode(public_key))
    return isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048


async def test_domains_are_listed_with_their_kind_and_a_dkim_key(qiyou):
    admin = await admin_of(qiyou)

    domains = {d["name"]: d for d in (await admin.data(DOMAINS))["domains"]}

    assert [n for n in domains if n.startswith("example.")] == [
        "example.com",
        "example.cn",
        "example.net",
    ]
    assert domains["example.com"]["kind"] == "PRIMARY"
    assert domains["example.net"]["kind"] == "EXTRA"
    assert domains["example.cn"]["kind"] == "ALIAS"
    provisioned = [domains[n] for n in ("example.com", "example.cn", "example.net")]
    for domain in provisioned:  # made by `qiyou domain add`
        assert domain["dkimSelector"] == "qiyou"
        assert rsa_2048(domain["dkimPublicKey"])
        assert domain["verified"] is False
    assert len({d["dkimPublicKey"] for d in provisioned}) == 3, "one key per domain"
    oscar = await login(qiyou.graphql_url, "oscar@other.org", PASSWORD)
    assert [d["name"] for d in (await oscar.data(DOMAINS))["domains"]] == ["other.org"]


async def test_an_extra_domain_gets_members_and_an_alias_domain_reaches_the_primary(qiyou):
    admin = await admin_of(qiyou)

    extra = await added(admin, "EXTRA")
    alias = await added(admin, "ALIAS")

    kinds = {d["name"]: d["kind"] for d in (await admin.data(DOMAINS))["domains"]}
    assert kinds[extra] == "EXTRA" and kinds[alias] == "ALIAS"
    qiyou.cli("user", "add", f"eve@{extra}", "--password", PASSWORD)
    await login(qiyou.graphql_url, f"eve@{extra}", PASSWORD)
    subject = unique("to the alias domain")
    with mx(qiyou.smtp_port) as smtp:
        smtp.sendmail(
            "someone@outside.test",
            [f"bob@{alias}"],
            simple_mail("someone@outside.test", f"bob@{alias}", subject),
        )
    bob = await login(qiyou.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None


async def test_adding_a_domain_refuses_bad_names_duplicates_and_a_second_primary(qiyou):
    admin = await admin_of(qiyou)

    bad = (await admin.data(ADD, n="not a domain", k="EXTRA"))["addDomain"]
    taken = (await admin.data(ADD, n="OTHER.org", k="ALIAS"))["addDomain"]
    primary = (await admin.data(ADD, n=new_domain(), k="PRIMARY"))["addDomain"]

    assert (bad["code"], bad["field"]) == ("INVALID", "name")
    assert (taken["code"], taken["field"]) == ("ALREADY_EXISTS", "name")
    assert (primary["code"], primary["field"]) == ("INVALID", "kind")


async def test_only_unused_non_primary_domains_can_be_removed(qiyou):
    admin = await admin_of(qiyou)
    empty = await added(admin)
    with_member = await added(admin)
    qiyou.cli("user", "add", f"max@{with_member}", "--password", PASSWORD)
    with_alias = await added(admin)
    qiyou.cli("user", "alias", "bob@example.com", f"robert@{with_alias}")

    primary = (await admin.data(REMOVE, n="example.com"))["removeDomain"]
    members = (await admin.data(REMOVE, n=with_member))["removeDomain"]
    aliases = (await admin.data(REMOVE, n=with_alias))["removeDomain"]
    unknown = (await admin.data(REMOVE, n=new_domain()))["removeDomain"]
    removed = (await admin.data(REMOVE, n=empty))["removeDomain"]

    assert (primary["code"], primary["field"]) == ("CONFLICT", "name")
    assert (members["code"], members["field"]) == ("HAS_MEMBERS", "name")
    assert (aliases["code"], aliases["field"]) == ("CONFLICT", "name")
    assert unknown["code"] == "NOT_FOUND"
    assert removed == {"__typename": "Done"}
    names = {d["name"] for d in (await admin.data(DOMAINS))["domains"]}
    assert empty not in names and with_member in names and with_alias in names


async def test_dns_records_to_set_carry_the_domains_dkim_key(qiyou):
    admin = await admin_of(qiyou)
    name = await added(admin)
    key = next(d for d in (await admin.data(DOMAINS))["domains"] if d["name"] == name)

    records = {r["key"]: r for r in (await admin.data(RECORDS, d=name))["dnsRecords"]}

    assert rsa_2048(key["dkimPublicKey"])
    assert records["MX"] | {"status": None, "reason": None} == {
        "key": "MX",
        "type": "MX",
        "name": name,
        "value": HOSTNAME,
        "priority": 10,
        "required": True,
        "status": None,
        "reason": None,
    }
    assert records["SPF"]["type"] == "TXT" and records["SPF"]["name"] == name
    assert records["SPF"]["value"] == f"v=spf1 mx a:{HOSTNAME} ~all"
    assert records["DKIM"]["name"] == f"qiyou._domainkey.{name}"
    assert records["DKIM"]["value"] == f"v=DKIM1; k=rsa; p={key['dkimPublicKey']}"
    assert records["DMARC"]["name"] == f"_dmarc.{name}"
    assert records["DMARC"]["value"] == f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{name}"
    assert (records["AUTOCONFIG"]["type"], records["AUTOCONFIG"]["name"]) == (
        "CNAME",
        f"autoconfig.{name}",
    )
    assert records["AUTODISCOVER"]["value"] == HOSTNAME
    srv = {k: (r["name"], r["value"]) for k, r in records.items() if r["type"] == "SRV"}
    assert srv == {  # only what is advertised, with the advertised host and ports
        "IMAPS": (f"_imaps._tcp.{name}", f"0 1 993 {MAIL_HOST}"),
        "IMAP": (f"_imap._tcp.{name}", f"0 1 {qiyou.imap_port} {MAIL_HOST}"),
        "SUBMISSIONS": (f"_submissions._tcp.{name}", f"0 1 465 {MAIL_HOST}"),
        "SUBMISSION": (f"_submission._tcp.{name}", f"0 1 {qiyou.submission_port} {MAIL_HOST}"),
    }
    assert {k for k, r in records.items() if r["required"]} == {"MX", "SPF", "DKIM", "DMARC"}
    assert {r["status"] for r in records.values()} == {"UNKNOWN"}


async def test_verifying_a_domain_without_records_finds_them_missing(qiyou):
    admin = await admin_of(qiyou)
    name = await added(admin)

    result = (await admin.data(VERIFY, d=name))["verifyDomain"]

    assert result["verified"] is False
    assert set(statuses(result).values()) == {"MISSING"}
    stored = {r["key"]: r["status"] for r in (await admin.data(RECORDS, d=name))["dnsRecords"]}
    assert stored["DKIM"] == "MISSING"


async def test_a_wrong_dkim_key_and_a_foreign_mx_are_wrong(qiyou, dns):
    admin = await admin_of(qiyou)
    name = await added(admin)
    records = (await admin.data(RECORDS, d=name))["dnsRecords"]
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    other_key = base64.b64encode(
        other.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).decode()
    publish(
        dns,
        records,
        DKIM=f"v=DKIM1; k=rsa; p={other_key}",
        MX="mx.elsewhere.test",
        IMAPS=f"0 1 993 {HOSTNAME}",  # the MX host, not the advertised mail host
    )

    result = (await admin.data(VERIFY, d=name))["verifyDomain"]

    found = statuses(result)
    assert found["DKIM"] == "WRONG" and found["MX"] == "WRONG" and found["IMAPS"] == "WRONG"
    assert found["SUBMISSIONS"] == "OK"
    assert found["SPF"] == "OK" and found["DMARC"] == "OK" and found["AUTOCONFIG"] == "OK"
    reasons = {r["key"]: r["reason"] for r in result["records"]}
    assert "mx.elsewhere.test" in reasons["MX"]
    assert f"not to {MAIL_HOST}:993" in reasons["IMAPS"]
    assert result["verified"] is False and result["domain"]["verifiedAt"] is None


async def test_a_domain_with_all_records_right_is_verified_until_its_key_rotates(qiyou, dns):
    admin = await admin_of(qiyou)
    name = await added(admin)
    records = (await admin.data(RECORDS, d=name))["dnsRecords"]
    publish(dns, records, SPF=f"v=spf1 include:_spf.mailer.test a:{HOSTNAME} -all")

    result = (await admin.data(VERIFY, d=name))["verifyDomain"]

    assert set(statuses(result).values()) == {"OK"}
    assert result["verified"] is True and result["domain"]["verifiedAt"]
    listed = next(d for d in (await admin.data(DOMAINS))["domains"] if d["name"] == name)
    assert listed["verified"] is True

    rotated = (await admin.data(ROTATE, d=name))["rotateDkim"]

    assert rotated["dkimSelector"] != "qiyou" and rotated["verified"] is False
    assert rsa_2048(rotated["dkimPublicKey"])
    fresh = {r["key"]: r for r in (await admin.data(RECORDS, d=name))["dnsRecords"]}
    assert fresh["DKIM"]["name"] == f"{rotated['dkimSelector']}._domainkey.{name}"
    assert fresh["DKIM"]["status"] == "UNKNOWN" and fresh["MX"]["status"] == "OK"
    again = (await admin.data(VERIFY, d=name))["verifyDomain"]
    assert statuses(again)["DKIM"] == "MISSING" and again["verified"] is False


async def test_spf_that_does_not_allow_our_host_is_wrong(qiyou, dns):
    admin = await admin_of(qiyou)
    name = await added(admin)
    records = (await admin.data(RECORDS, d=name))["dnsRecords"]
    publish(dns, records, SPF="v=spf1 include:_spf.mailer.test -all")

    result = (await admin.data(VERIFY, d=name))["verifyDomain"]

    spf = next(r for r in result["records"] if r["key"] == "SPF")
    assert spf["status"] == "WRONG" and f"a:{HOSTNAME}" in spf["reason"]


async def test_dns_failures_are_reported_not_crashes(qiyou, dns):
    admin = await admin_of(qiyou)
    silent = await added(admin)
    for rec in (await admin.data(RECORDS, d=silent))["dnsRecords"]:
        dns.drop.add(rec["name"])
    failing = await added(admin)
    records = (await admin.data(RECORDS, d=failing))["dnsRecords"]
    publish(dns, records)
    dns.servfail.add(next(r["name"] for r in records if r["key"] == "DKIM"))

    timeout = (await admin.data(VERIFY, d=silent))["verifyDomain"]
    partial = (await admin.data(VERIFY, d=failing))["verifyDomain"]

    assert (timeout["code"], timeout["field"]) == ("DNS_UNAVAILABLE", "domain")
    found = statuses(partial)
    assert found["DKIM"] == "UNKNOWN" and found["MX"] == "OK"
    assert "DNS lookup failed" in next(
        r["reason"] for r in partial["records"] if r["key"] == "DKIM"
    )
    assert partial["verified"] is False


async def test_who_may_administer_domains(qiyou):
    bob = await login(qiyou.graphql_url, "bob@example.com", PASSWORD)
    oscar = await login(qiyou.graphql_url, "oscar@other.org", PASSWORD)
    scoped = await login(qiyou.graphql_url, "scoped@example.com", PASSWORD)
    dns_admin = await login(qiyou.graphql_url, "dns@example.com", PASSWORD)

    for client in (bob, scoped):  # a plain member; an admin without the domains permission
        body = await client.execute(DOMAINS)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await client.execute(RECORDS, d="example.com")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await bob.execute(VERIFY, d="example.com")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for query, args, field in (
        (VERIFY, {"d": "example.com"}, "verifyDomain"),
        (ROTATE, {"d": "example.com"}, "rotateDkim"),
        (ADD, {"n": new_domain(), "k": "EXTRA"}, "addDomain"),
        (REMOVE, {"n": "example.net"}, "removeDomain"),
    ):
        assert (await scoped.data(query, **args))[field]["code"] == "FORBIDDEN"
    body = await oscar.execute(RECORDS, d="example.com")  # another enterprise's domain
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for query, args, field in (
        (VERIFY, {"d": "example.com"}, "verifyDomain"),
        (ROTATE, {"d": "example.net"}, "rotateDkim"),
        (REMOVE, {"n": "example.net"}, "removeDomain"),
    ):
        assert (await oscar.data(query, **args))[field]["code"] == "FORBIDDEN"
    # an admin with the domains permission checks DNS, but only super admins add or remove
    assert len((await dns_admin.data(DOMAINS))["domains"]) >= 3
    assert (await dns_admin.data(VERIFY, d="example.com"))["verifyDomain"]["verified"] is False
    assert (await dns_admin.data(ADD, n=new_domain(), k="EXTRA"))["addDomain"]["code"] == (
        "FORBIDDEN"
    )
    assert (await dns_admin.data(REMOVE, n="example.net"))["removeDomain"]["code"] == "FORBIDDEN"

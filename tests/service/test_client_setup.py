"""Mail-client set-up over HTTP (in process): Thunderbird autoconfig, Outlook autodiscover,
the Apple .mobileconfig and the web app's ``mailClientSetup`` query. The documents are
parsed and checked field by field against the ports the test server listens on; bad input
gets a clear 4xx."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from graphql import parse, validate

from schema import schema
from tests.e2e.client import GraphQLClient, http_client, login
from tests.e2e.server import PASSWORD

WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"
HOST_FORM = "/mail/config-v1.1.xml"
AUTODISCOVER = "/autodiscover/autodiscover.xml"
MOBILECONFIG = "/clients/apple.mobileconfig"
OUTLOOK = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
RESPONSE = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
WEB_QUERIES = Path(__file__).parents[2] / "web/src/api/clients.js"


def request_xml(email: str, schema_url: str = OUTLOOK) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{email}</EMailAddress>
    <AcceptableResponseSchema>{schema_url}</AcceptableResponseSchema>
  </Request>
</Autodiscover>""".encode()


def listening(service) -> dict[tuple[str, str], int]:
    """(protocol, security) → the port the server under test listens on."""
    return {
        ("imap", "SSL"): service.imaps_port,
        ("imap", "STARTTLS"): service.imap_port,
        ("pop3", "SSL"): service.pop3s_port,
        ("pop3", "STARTTLS"): service.pop3_port,
        ("smtp", "SSL"): service.submissions_port,
        ("smtp", "STARTTLS"): service.submission_port,
    }


def hostname(service) -> str:
    return service.runtime.settings.hostname


async def get(service, path: str, **options):
    async with http_client(service.url) as http:
        return await http.get(service.url + path, **options)


async def post(service, path: str, body: bytes, **options):
    async with http_client(service.url) as http:
        return await http.post(service.url + path, content=body, **options)


def servers_of(provider: ET.Element) -> list[dict[str, str]]:
    return [
        {"tag": s.tag, "type": s.get("type"), **{c.tag: (c.text or "") for c in s}}
        for s in provider
        if s.tag in ("incomingServer", "outgoingServer")
    ]


# --- Thunderbird autoconfig ----------------------------------------------------------------


@pytest.mark.parametrize("path", [WELL_KNOWN, HOST_FORM])
async def test_autoconfig_lists_every_server_the_deployment_runs(service, path):
    response = await get(service, path, params={"emailaddress": "Alice@Example.com"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert (root.tag, root.get("version")) == ("clientConfig", "1.1")
    provider = root.find("emailProvider")
    assert provider.get("id") == "example.com"
    assert [d.text for d in provider.findall("domain")] == ["example.com"]
    assert provider.findtext("displayName") == "example.com"  # the enterprise's name
    ports = listening(service)
    expected = [
        {
            "tag": "outgoingServer" if kind == "smtp" else "incomingServer",
            "type": kind,
            "hostname": hostname(service),
            "port": str(ports[kind, security]),
            "socketType": security,
            "authentication": "password-cleartext",
            "username": "%EMAILADDRESS%",
        }
        for kind, security in ports
    ]
    assert servers_of(provider) == expected


async def test_alias_domain_members_sign_in_with_the_primary_domain(service):
    response = await get(service, WELL_KNOWN, params={"emailaddress": "bob@example.cn"})

    provider = ET.fromstring(response.content).find("emailProvider")
    assert provider.get("id") == "example.cn"
    usernames = {s["username"] for s in servers_of(provider)}
    assert usernames == {"%EMAILLOCALPART%@example.com"}


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 400),
        ({"emailaddress": ""}, 400),
        ({"emailaddress": "example.com"}, 400),
        ({"emailaddress": "bob@"}, 400),
        ({"emailaddress": "a b@example.com"}, 400),
        ({"emailaddress": "x" * 400 + "@example.com"}, 400),
        ({"emailaddress": "bob@example.com\x00"}, 400),
        ({"emailaddress": "someone@gmail.com"}, 404),
        ({"emailaddress": "bob@sub.example.com"}, 404),
    ],
    ids=["none", "empty", "domain-only", "no-domain", "space", "long", "nul", "foreign", "sub"],
)
async def test_autoconfig_refuses_bad_or_foreign_addresses(service, params, status):
    response = await get(service, WELL_KNOWN, params=params)

    assert response.status_code == status
    expected = "INVALID_ADDRESS" if status == 400 else "UNKNOWN_DOMAIN"
    assert response.json()["code"] == expected


# --- Outlook autodiscover ------------------------------------------------------------------


def protocols_of(document: bytes) -> tuple[ET.Element, list[dict[str, str]]]:
    root = ET.fromstring(document)
    assert root.tag == f"{{{RESPONSE}}}Autodiscover"
    account = root.find(f"{{{OUTLOOK}}}Response/{{{OUTLOOK}}}Account")
    blocks = [
        {child.tag.split("}")[1]: child.text for child in block}
        for block in account.findall(f"{{{OUTLOOK}}}Protocol")
    ]
    return account, blocks


@pytest.mark.parametrize("path", [AUTODISCOVER, "/Autodiscover/Autodiscover.xml"])
async def test_autodiscover_answers_with_every_server(service, path):
    response = await post(
        service, path, request_xml("bob@example.com"), headers={"content-type": "text/xml"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    account, blocks = protocols_of(response.content)
    assert account.findtext(f"{{{OUTLOOK}}}AccountType") == "email"
    assert account.findtext(f"{{{OUTLOOK}}}Action") == "settings"
    ports = listening(service)
    assert blocks == [
        {
            "Type": kind.upper(),
            "Server": hostname(service),
            "Port": str(ports[kind, security]),
            "DomainRequired": "off",
            "LoginName": "bob@example.com",
            "SPA": "off",
            "SSL": "on",
            "Encryption": "SSL" if security == "SSL" else "TLS",
            "AuthRequired": "on",
        }
        for kind, security in ports
    ]


async def test_autodiscover_gives_an_alias_domain_the_primary_login(service):
    response = await post(service, AUTODISCOVER, request_xml("Bob@Example.CN."))

    _, blocks = protocols_of(response.content)
    assert {b["LoginName"] for b in blocks} == {"bob@example.com"}


def error_code(document: bytes) -> str:
    root = ET.fromstring(document)
    assert root.tag == f"{{{RESPONSE}}}Autodiscover"
    return root.findtext(f"{{{RESPONSE}}}Response/{{{RESPONSE}}}Error/{{{RESPONSE}}}ErrorCode")


ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "bob"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Autodiscover><Request><EMailAddress>&b;@example.com</EMailAddress></Request></Autodiscover>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>"""


@pytest.mark.parametrize(
    "body, status, code",
    [
        (ENTITIES, 400, "600"),
        (EXTERNAL, 400, "600"),
        (b"<Autodiscover><Request>", 400, "600"),
        (b"", 400, "600"),
        (b"<Autodiscover><Request/></Autodiscover>", 400, "600"),
        (request_xml("not-an-address"), 400, "600"),
        (request_xml("x@example.com") + b"<!--" + b"-" * 20_000 + b"-->", 413, "600"),
        (request_xml("bob@unknown.test"), 404, "500"),
        (
            request_xml(
                "bob@example.com",
                "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006",
            ),
            404,
            "601",
        ),
    ],
    ids=[
        "entities",
        "external",
        "unclosed",
        "empty",
        "no-address",
        "bad-address",
        "oversize",
        "foreign",
        "activesync",
    ],
)
async def test_autodiscover_refuses_bad_requests_with_an_error_document(
    service, body, status, code
):
    response = await post(service, AUTODISCOVER, body)

    assert response.status_code == status
    assert error_code(response.content) == code


async def test_an_oversize_body_is_refused_from_its_length_alone(service):
    response = await post(
        service,
        AUTODISCOVER,
        b"<Autodiscover/>",
        headers={"content-length": str(10**6)},
    )

    assert response.status_code == 413
    assert error_code(response.content) == "600"


async def test_autodiscover_is_post_only(service):
    response = await get(service, AUTODISCOVER)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# --- Apple .mobileconfig and the web app's query --------------------------------------------


async def test_the_mobileconfig_describes_the_members_account_without_a_password(service):
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)

    by_header = await get(service, MOBILECONFIG, headers=alice.headers())
    setup = (await alice.data(web_document("MAIL_CLIENT_SETUP")))["mailClientSetup"]
    by_query = await get(service, setup["mobileconfigUrl"])  # signed: ?ticket=

    assert by_header.status_code == 200 and by_query.content == by_header.content
    assert by_header.headers["content-type"] == "application/x-apple-aspen-config"
    assert (
        by_header.headers["content-disposition"]
        == "attachment; filename*=UTF-8''example.com.mobileconfig"
    )
    assert PASSWORD.encode() not in by_header.content
    profile = plistlib.loads(by_header.content)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    (mail,) = profile["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAddress"] == "alice@example.com"
    assert mail["EmailAccountName"] == "Alice 王"
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert (mail["IncomingMailServerHostName"], mail["OutgoingMailServerHostName"]) == (
        hostname(service),
        hostname(service),
    )
    assert mail["IncomingMailServerPortNumber"] == service.imaps_port
    assert mail["OutgoingMailServerPortNumber"] == service.submissions_port
    assert mail["IncomingMailServerUseSSL"] is True and mail["OutgoingMailServerUseSSL"] is True
    assert mail["IncomingMailServerUsername"] == "alice@example.com"
    assert mail["OutgoingMailServerUsername"] == "alice@example.com"
    assert {"IncomingPassword", "OutgoingPassword"}.isdisjoint(mail)
    assert profile["PayloadUUID"] != mail["PayloadUUID"]


async def test_the_mobileconfig_needs_a_valid_session(service):
    anonymous = await get(service, MOBILECONFIG)
    wrong = await get(service, MOBILECONFIG, params={"ticket": "s.1.9999999999.forged"})
    in_url = await get(service, MOBILECONFIG, params={"token": "any"})

    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert in_url.status_code == 401 and in_url.json()["code"] == "TOKEN_IN_URL"


def web_document(name: str) -> str:
    """A GraphQL document of the web app's mail-client page (web/src/api/clients.js)."""
    source = WEB_QUERIES.read_text()
    return re.search(rf"export const {name} = `([^`]*)`", source).group(1)


async def test_the_web_query_is_valid_and_gives_the_members_servers(service):
    document = web_document("MAIL_CLIENT_SETUP")
    assert validate(schema._schema, parse(document)) == []
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)

    setup = (await alice.data(document))["mailClientSetup"]

    assert setup["host"] == hostname(service)
    assert setup["username"] == "alice@example.com"
    assert setup["mobileconfigUrl"].startswith(MOBILECONFIG + "?ticket=")
    assert isinstance((await alice.data(document))["mySecurity"]["appPasswordsRequired"], bool)
    ports = listening(service)
    assert [(s["protocol"], s["security"], s["port"]) for s in setup["servers"]] == [
        (kind.upper(), security, port) for (kind, security), port in ports.items()
    ]


async def test_anonymous_callers_get_no_client_setup(service):
    body = await GraphQLClient(service.graphql_url).execute(web_document("MAIL_CLIENT_SETUP"))

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


SWITCHES = """
from mailcore.org.service import add_member
for email, imap, pop3 in args["members"]:
    member = await add_member(email, args["password"], quota=10**8)
    await Member.filter(id=member.id).update(imap_enabled=imap, pop_enabled=pop3)
return True
"""


async def test_a_member_is_shown_only_the_protocols_their_switches_allow(service):
    pop_only, neither = "clients-pop@example.com", "clients-none@example.com"
    await service.mailcore(
        SWITCHES, members=[(pop_only, False, True), (neither, False, False)], password=PASSWORD
    )
    document = web_document("MAIL_CLIENT_SETUP")
    pop = await login(service.graphql_url, pop_only, PASSWORD)
    off = await login(service.graphql_url, neither, PASSWORD)

    shown = (await pop.data(document))["mailClientSetup"]["servers"]
    profile = await get(service, MOBILECONFIG, headers=pop.headers())
    none_shown = (await off.data(document))["mailClientSetup"]["servers"]
    no_profile = await get(service, MOBILECONFIG, headers=off.headers())

    assert [(s["protocol"], s["port"]) for s in shown] == [
        ("POP3", service.pop3s_port),
        ("POP3", service.pop3_port),
        ("SMTP", service.submissions_port),
        ("SMTP", service.submission_port),
    ]
    (mail,) = plistlib.loads(profile.content)["PayloadContent"]
    assert mail["EmailAccountType"] == "EmailTypePOP"
    assert mail["IncomingMailServerPortNumber"] == service.pop3s_port
    assert none_shown == []
    assert no_profile.status_code == 404 and no_profile.json()["code"] == "NOT_OFFERED"

"""Branded login (A10), signatures and business cards (A9).

Each module run makes its own company (a new enterprise on a fresh domain) so its
branding and signature never reach mail sent by other tests.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
import zlib
from typing import Any

import httpx
import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, unique
from tests.e2e.server import PASSWORD, Server

BRANDING = """
query B($d: String!) {
  loginBranding(domain: $d) {
    domain title text logoUrl backgroundUrl primaryColor backgroundColor
  }
}
"""
SET_BRANDING = """
mutation S($d: String!, $input: LoginBrandingInput!) {
  setLoginBranding(domain: $d, input: $input) {
    __typename
    ... on LoginBranding { title text primaryColor backgroundColor }
    ... on AdminError { code field message }
  }
}
"""
UPLOAD = """
mutation U($d: String!, $kind: BrandingImageKind!, $file: Upload) {
  uploadBrandingImage(domain: $d, kind: $kind, file: $file) {
    __typename
    ... on LoginBranding { logoUrl backgroundUrl }
    ... on AdminError { code field message }
  }
}
"""
TEMPLATE = "{ signatureTemplate { html enforced preview } }"
SET_TEMPLATE = """
mutation T($html: String!, $enforced: Boolean!) {
  setSignatureTemplate(html: $html, enforced: $enforced) {
    __typename
    ... on SignatureTemplate { html enforced preview }
    ... on AdminError { code field message }
  }
}
"""
MY_SIGNATURE = "{ mySignature { own enforced html text } }"
SET_MY_SIGNATURE = """
mutation M($html: String!) {
  setMySignature(html: $html) {
    __typename
    ... on MySignature { own enforced html text }
    ... on BrandingError { code field message }
  }
}
"""
SEND = """
mutation S($input: ComposeInput!) {
  sendMail(input: $input) { __typename ... on MailError { code message } }
}
"""
READ = "query R($id: ID!) { message(id: $id) { text html } }"
MY_CARD = "{ myCard }"

ANN_NAME = "Ann <Lee>, & Co"
ANN_POSITION = "Head of Sales; APAC"
DEPARTMENT = "Sales & Marketing"


SETUP = """
from mailcore.admin.roles import grant
from mailcore.admin.scope import system_scope
from mailcore.org.service import add_domain, add_member

domain = (await add_domain(args["domain"])).name
members = {
    user: await add_member(f"{user}@{domain}", args["password"], name=user, quota=10**8)
    for user in ("boss", "brander", "scoped", "ann", "ben", "hidden")
}
ann = members["ann"]
scope = system_scope(ann.enterprise_id)
root = await Department.get(enterprise_id=ann.enterprise_id, parent_id=None)
sales = await Department.create(enterprise_id=ann.enterprise_id, parent=root, name=args["dept"])
await DepartmentMember.create(department=sales, member=ann)
await Member.filter(id=ann.id).update(
    name=args["name"], position=args["position"], mobile="+86 138 0000 0000", tel="010-1234"
)
await Member.filter(id=members["hidden"].id).update(hidden=True)
await grant(scope, members["boss"], is_super=True)
await grant(scope, members["brander"], permissions=["branding"], department_ids=[root.id])
await grant(scope, members["scoped"], permissions=["members"], department_ids=[root.id])
return domain
"""


class Company:
    def __init__(self, server: Server, domain: str) -> None:
        self.server, self.domain = server, domain

    def email(self, user: str) -> str:
        return f"{user}@{self.domain}"

    async def login(self, user: str) -> GraphQLClient:
        return await login(self.server.graphql_url, self.email(user), PASSWORD)


@pytest.fixture(scope="module")
def company(server) -> Company:
    """brand-<hex>.test: boss (super admin), brander (admin: branding), scoped (admin:
    members), ann (in Sales & Marketing, with contact fields), ben, hidden (a hidden member)."""
    domain = server.mailcore(
        SETUP,
        domain=f"brand-{uuid.uuid4().hex[:8]}.test",
        password=PASSWORD,
        dept=DEPARTMENT,
        name=ANN_NAME,
        position=ANN_POSITION,
    )
    return Company(server, domain)


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def upload(
    client: GraphQLClient, domain: str, kind: str, data: bytes | None, filename: str = "logo.png"
) -> dict:
    """uploadBrandingImage with the GraphQL multipart request spec (None: no file)."""
    operations = {"query": UPLOAD, "variables": {"d": domain, "kind": kind, "file": None}}
    if data is None:
        return (await client.data(UPLOAD, d=domain, kind=kind, file=None))["uploadBrandingImage"]
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            client.url,
            headers=client.headers(),
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (filename, data, "application/octet-stream")},
        )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["uploadBrandingImage"]


async def send(client: GraphQLClient, **fields: Any) -> None:
    result = (await client.data(SEND, input=fields))["sendMail"]
    assert result["__typename"] == "SendMailSuccess", result


async def received(client: GraphQLClient, subject: str) -> dict:
    found = await find(client, subject)
    assert found is not None, subject
    return (await client.data(READ, id=found["id"]))["message"]


async def test_login_branding_is_public_and_unknown_domains_get_the_defaults(company):
    anonymous = GraphQLClient(company.server.graphql_url)

    unknown = await anonymous.data(BRANDING, d=f"nobody-{uuid.uuid4().hex[:6]}.test")
    hosted_unset = await anonymous.data(BRANDING, d="other.org")

    defaults = unknown["loginBranding"] | {"domain": None}
    assert defaults == hosted_unset["loginBranding"] | {"domain": None}
    assert defaults["logoUrl"] is None and defaults["primaryColor"] == "#0052d9"


async def test_an_admin_brands_the_login_page_and_anyone_reads_it(company):
    boss = await company.login("boss")
    title = '<script>alert("x")</script> Brand & Co'

    result = (
        await boss.data(
            SET_BRANDING,
            d=company.domain,
            input={
                "title": title,
                "text": "Welcome\nto <b>mail</b>",
                "primaryColor": "#A1B2C3",
                "backgroundColor": "#ffffff",
            },
        )
    )["setLoginBranding"]

    assert result["primaryColor"] == "#a1b2c3"
    anonymous = GraphQLClient(company.server.graphql_url)
    public = (await anonymous.data(BRANDING, d=company.domain.upper()))["loginBranding"]
    assert public["title"] == title and public["text"] == "Welcome\nto <b>mail</b>"
    assert (public["primaryColor"], public["backgroundColor"]) == ("#a1b2c3", "#ffffff")
    response = httpx.get(f"{company.server.url}/branding/{company.domain}.json")
    assert response.status_code == 200
    assert response.json()["title"] == title and response.json()["primaryColor"] == "#a1b2c3"
    only_text = (await boss.data(SET_BRANDING, d=company.domain, input={"text": "Hi"}))[
        "setLoginBranding"
    ]
    assert only_text["title"] == title, "fields left out stay as they are"


async def test_the_login_page_shows_the_escaped_branding_of_its_host(company):
    boss = await company.login("boss")
    title = f"<img src=x onerror=alert(1)> {unique('Portal')}"
    await boss.data(
        SET_BRANDING, d=company.domain, input={"title": title, "backgroundColor": "#123456"}
    )

    by_host = httpx.get(f"{company.server.url}/login", headers={"Host": company.domain})
    by_query = httpx.get(f"{company.server.url}/login", params={"domain": company.domain})
    unknown = httpx.get(f"{company.server.url}/login", headers={"Host": "nowhere.test:8025"})

    assert by_host.status_code == 200 and by_host.headers["content-type"].startswith("text/html")
    escaped = title.replace("<", "&lt;").replace(">", "&gt;")
    assert f"<h1>{escaped}</h1>" in by_host.text
    assert "<img src=x" not in by_host.text
    assert "#123456" in by_host.text
    assert 'id="login"' in by_host.text and "/graphql" in by_host.text
    assert "script-src 'nonce-" in by_host.headers["content-security-policy"]
    assert f"<h1>{escaped}</h1>" in by_query.text
    assert escaped not in unknown.text and "Qiyou" in unknown.text
    # the page's script signs in with the mutation it carries
    script = re.search(r"const LOGIN = (.*?);\n", by_host.text, re.S).group(1)
    mutation = "".join(re.findall(r'"([^"]*)"', script))
    variables = {"e": company.email("ben"), "p": PASSWORD}
    signed_in = await GraphQLClient(company.server.graphql_url).data(mutation, **variables)
    assert signed_in["login"]["__typename"] == "LoginSuccess" and signed_in["login"]["token"]


async def test_logo_and_background_are_stored_checked_and_served(company):
    boss = await company.login("boss")
    logo = png()
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"

    uploaded = await upload(boss, company.domain, "LOGO", logo)
    background = await upload(boss, company.domain, "BACKGROUND", jpeg, "bg.jpg")

    url = uploaded["logoUrl"]
    assert url.startswith(f"/branding/{company.domain}/logo?v=")
    served = httpx.get(f"{company.server.url}{url}")
    assert served.status_code == 200 and served.content == logo
    assert served.headers["content-type"] == "image/png"
    bg = httpx.get(f"{company.server.url}{background['backgroundUrl']}")
    assert bg.content == jpeg and bg.headers["content-type"] == "image/jpeg"
    anonymous = GraphQLClient(company.server.graphql_url)
    public = (await anonymous.data(BRANDING, d=company.domain))["loginBranding"]
    assert public["logoUrl"] == url
    page = httpx.get(f"{company.server.url}/login", params={"domain": company.domain})
    assert f'src="{url}"' in page.text.replace("&amp;", "&")

    removed = await upload(boss, company.domain, "LOGO", None)

    assert removed["logoUrl"] is None
    gone = httpx.get(f"{company.server.url}/branding/{company.domain}/logo")
    assert gone.status_code == 404


async def test_bad_branding_input_is_a_typed_error_naming_the_field(company):
    boss = await company.login("boss")
    d = company.domain

    colour = await boss.data(SET_BRANDING, d=d, input={"primaryColor": "red"})
    short = await boss.data(SET_BRANDING, d=d, input={"backgroundColor": "#12345"})
    title = await boss.data(SET_BRANDING, d=d, input={"title": "x" * 101})
    unknown = await boss.data(SET_BRANDING, d="nowhere.test", input={"title": "x"})
    big = await upload(boss, d, "LOGO", png() + b"\x00" * (512 * 1024))
    svg = await upload(boss, d, "LOGO", b'<?xml version="1.0"?><svg onload="alert(1)"/>', "a.svg")
    gif = await upload(boss, d, "BACKGROUND", b"GIF89a" + b"\x00" * 32, "a.gif")

    def error(result: dict) -> tuple[str, str]:
        (value,) = result.values()
        return value["code"], value["field"]

    assert error(colour) == ("INVALID", "primaryColor")
    assert error(short) == ("INVALID", "backgroundColor")
    assert error(title) == ("INVALID", "title")
    assert error(unknown) == ("NOT_FOUND", "domain")
    assert (big["code"], big["field"]) == ("INVALID", "file")
    assert (svg["code"], svg["field"]) == ("INVALID", "file") and "SVG" in svg["message"]
    assert (gif["code"], gif["field"]) == ("INVALID", "file")
    anonymous = GraphQLClient(company.server.graphql_url)
    public = (await anonymous.data(BRANDING, d=d))["loginBranding"]
    assert public["primaryColor"] != "red" and len(public["title"]) <= 100


async def test_a_members_own_signature_is_appended_to_what_they_send(company):
    ann, ben = await company.login("ann"), await company.login("ben")
    mine = (
        await ann.data(SET_MY_SIGNATURE, html="<p>Ann <b>signs</b><script>alert(1)</script></p>")
    )["setMySignature"]
    assert mine["own"] == "<p>Ann <b>signs</b></p>" and mine["enforced"] is False
    subject, plain = unique("signed"), unique("unsigned")

    await send(ann, to=[company.email("ben")], subject=subject, text="Hello", html="<p>Hello</p>")
    await send(ann, to=[company.email("ben")], subject=plain, text="Hi", appendSignature=False)

    signed = await received(ben, subject)
    assert signed["text"].startswith("Hello") and "-- \nAnn signs" in signed["text"]
    assert "<b>signs</b>" in signed["html"] and "script" not in signed["html"]
    assert "signs" not in (await received(ben, plain))["text"]
    too_long = (await ann.data(SET_MY_SIGNATURE, html="x" * 20_001))["setMySignature"]
    assert (too_long["code"], too_long["field"]) == ("INVALID", "html")


async def test_an_enforced_company_signature_replaces_the_members_own(company):
    boss, ann, ben = [await company.login(u) for u in ("boss", "ann", "ben")]
    await ann.data(SET_MY_SIGNATURE, html="<p>my own sig</p>")
    template = (
        "<p><b>{name}</b> | {position} | {department} | {company} | {mobile} | {tel} "
        '| {unknown}</p><a href="mailto:{email}">{email}</a>'
    )

    saved = (await boss.data(SET_TEMPLATE, html=template, enforced=True))["setSignatureTemplate"]

    assert saved["enforced"] is True and "{name}" in saved["html"]
    assert "<b>boss</b>" in saved["preview"]
    mine = (await ann.data(MY_SIGNATURE))["mySignature"]
    assert mine["enforced"] is True and mine["own"] == "<p>my own sig</p>"
    assert "Ann &lt;Lee&gt;, &amp; Co" in mine["html"]
    assert "Head of Sales; APAC" in mine["html"] and "Sales &amp; Marketing" in mine["html"]
    assert company.domain in mine["html"] and "+86 138 0000 0000" in mine["html"]
    assert "{unknown}" in mine["html"], "unknown placeholders are left as text"
    assert f'href="mailto:ann@{company.domain}"' in mine["html"]
    subject = unique("enforced")
    await send(
        ann, to=[company.email("ben")], subject=subject, html="<p>Body</p>", appendSignature=False
    )
    message = await received(ben, subject)
    assert "Ann &lt;Lee&gt;, &amp; Co" in message["html"] and "my own sig" not in message["html"]
    assert "Ann <Lee>, & Co | Head of Sales; APAC" in message["text"]

    await boss.data(SET_TEMPLATE, html=template, enforced=False)

    back = (await ann.data(MY_SIGNATURE))["mySignature"]
    assert back["enforced"] is False and back["html"] == "<p>my own sig</p>"
    ben_default = (await ben.data(MY_SIGNATURE))["mySignature"]
    assert ben_default["own"] is None and "<b>ben</b>" in ben_default["html"]


async def test_a_business_card_is_a_vcard_for_colleagues_only(company):
    ann, ben = await company.login("ann"), await company.login("ben")
    hidden = await company.login("hidden")
    olga = await login(company.server.graphql_url, "olga@other.org", PASSWORD)

    card = (await ann.data(MY_CARD))["myCard"]

    lines = card.split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"] and lines[-2:] == ["END:VCARD", ""]
    assert "FN:Ann <Lee>\\, & Co" in lines
    assert "TITLE:Head of Sales\\; APAC" in lines
    assert f"ORG:{company.domain};Sales & Marketing" in lines
    assert "TEL;TYPE=CELL,VOICE:+86 138 0000 0000" in lines
    assert "TEL;TYPE=WORK,VOICE:010-1234" in lines
    assert f"EMAIL;TYPE=INTERNET,PREF:ann@{company.domain}" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    url = f"{company.server.url}/cards/ann@{company.domain}.vcf"
    as_ben = httpx.get(url, headers=ben.headers())
    assert as_ben.status_code == 200 and as_ben.text == card
    assert as_ben.headers["content-type"].startswith("text/vcard")
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=olga.headers()).status_code == 404
    hidden_url = f"{company.server.url}/cards/hidden@{company.domain}.vcf"
    assert httpx.get(hidden_url, headers=ben.headers()).status_code == 404
    assert httpx.get(hidden_url, headers=hidden.headers()).status_code == 200


async def test_who_may_brand_and_set_the_company_signature(company):
    ben = await company.login("ben")
    scoped = await company.login("scoped")
    brander = await company.login("brander")
    oscar = await login(company.server.graphql_url, "oscar@other.org", PASSWORD)
    d = company.domain
    change = {"title": "hijacked"}

    body = await ben.execute(SET_BRANDING, d=d, input=change)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await ben.execute(TEMPLATE)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for client in (scoped, oscar):
        result = (await client.data(SET_BRANDING, d=d, input=change))["setLoginBranding"]
        assert result["code"] == "FORBIDDEN"
        assert (await upload(client, d, "LOGO", png()))["code"] == "FORBIDDEN"
    body = await scoped.execute(TEMPLATE)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    result = await scoped.data(SET_TEMPLATE, html="<p>x</p>", enforced=True)
    assert result["setSignatureTemplate"]["code"] == "FORBIDDEN"
    anonymous = GraphQLClient(company.server.graphql_url)
    assert (await anonymous.data(BRANDING, d=d))["loginBranding"]["title"] != "hijacked"
    # an administrator with the branding permission may
    allowed = await brander.data(SET_BRANDING, d=d, input={"text": "by brander"})
    assert allowed["setLoginBranding"]["text"] == "by brander"
    assert (await brander.data(TEMPLATE))["signatureTemplate"]["enforced"] in (True, False)

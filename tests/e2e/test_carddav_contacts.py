"""Personal contacts over CardDAV (issue 19, item 5) against a real server: discovery to
the writable book beside the read-only directory, PUT with If-None-Match / If-Match, GET
byte for byte, DELETE, addressbook-query and multiget, sync-collection reporting changes
and deletions made over GraphQL, bad vCards refused with their precondition, other members'
paths; and ``vdirsyncer`` (a real CardDAV client) syncing both ways with a local folder."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from tests.e2e.server import PASSWORD
from tests.e2e.test_caldav import http
from tests.e2e.test_calendar import member
from tests.e2e.test_groups import Directory
from tests.service.test_contacts import CREATE, DELETE, LIST, UPDATE

NS = {"d": "DAV:", "card": "urn:ietf:params:xml:ns:carddav", "cs": "http://calendarserver.org/ns/"}
PROPFIND = b"""<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"
    xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><d:displayname/><d:resourcetype/><cs:getctag/><d:sync-token/>
    <d:current-user-privilege-set/><card:addressbook-home-set/><d:getetag/></d:prop>
</d:propfind>"""
SYNC = """<?xml version="1.0"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
QUERY = """<?xml version="1.0"?>
<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:getetag/><card:address-data/></d:prop>
  <card:filter test="anyof">
    <card:prop-filter name="EMAIL"><card:text-match match-type="contains">{text}</card:text-match>
    </card:prop-filter>
    <card:prop-filter name="FN"><card:text-match match-type="starts-with">{text}</card:text-match>
    </card:prop-filter>
  </card:filter>
</card:addressbook-query>"""
MULTIGET = """<?xml version="1.0"?>
<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:getetag/><card:address-data/></d:prop>{hrefs}
</card:addressbook-multiget>"""


def vcf(uid: str, name: str, email: str, extra: str = "", version: str = "3.0") -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:{version}\r\nPRODID:-//test//carddav//EN\r\nUID:{uid}\r\n"
        f"FN:{name}\r\nN:{name};;;;\r\nEMAIL;TYPE=INTERNET:{email}\r\n{extra}END:VCARD\r\n"
    )


def sync(web: httpx.Client, base: str, token: str) -> tuple[list[str], list[str], str]:
    answer = web.request("REPORT", base, content=SYNC.format(token=token), headers={"Depth": "1"})
    assert answer.status_code == 207, answer.text
    root = ElementTree.fromstring(answer.content)
    changed, gone = [], []
    for node in root.findall("d:response", NS):
        href = node.findtext("d:href", namespaces=NS)
        (gone if node.find("d:status", NS) is not None else changed).append(href)
    return sorted(changed), sorted(gone), root.findtext("d:sync-token", namespaces=NS)


def precondition(answer: httpx.Response) -> str:
    root = ElementTree.fromstring(answer.content)
    return root[0].tag


@pytest.fixture(scope="module")
async def pair(server):
    directory = await Directory.open(server)
    return [await member(server, directory, name) for name in ("cardowner", "cardother")]


async def test_the_personal_book_is_found_and_written_with_etags(server, pair):
    (email, client), (other, _) = pair
    base = f"/dav/addressbooks/{email}/contacts/"
    with http(server, email) as web:
        principal = web.request(
            "PROPFIND", f"/dav/principals/{email}/", content=PROPFIND, headers={"Depth": "0"}
        )
        assert f"/dav/addressbooks/{email}/" in principal.text
        home = web.request(
            "PROPFIND", f"/dav/addressbooks/{email}/", content=PROPFIND, headers={"Depth": "1"}
        )
        assert home.status_code == 207, home.text
        books = {
            node.findtext("d:href", namespaces=NS): node
            for node in ElementTree.fromstring(home.content).findall("d:response", NS)
        }
        assert base in books and f"/dav/addressbooks/{email}/directory/" in books
        assert books[base].find(".//d:privilege/d:write", NS) is not None
        assert books[f"/dav/addressbooks/{email}/directory/"].find(".//d:write", NS) is None
        assert books[base].find(".//card:addressbook", NS) is not None

        uid = str(uuid.uuid4())
        text = vcf(uid, "Carol Client", "carol@partner.test", "X-CUSTOM;X-P=1:kept\r\n")
        url = f"{base}{uid}.vcf"
        made = web.put(
            url, content=text, headers={"If-None-Match": "*", "Content-Type": "text/vcard"}
        )
        assert made.status_code == 201, made.text
        etag = made.headers["etag"]
        read = web.get(url)
        assert read.text == text and read.headers["etag"] == etag  # byte for byte
        again = web.put(url, content=text, headers={"If-None-Match": "*"})
        assert again.status_code == 412
        stale = web.put(url, content=text, headers={"If-Match": '"stale"'})
        assert stale.status_code == 412
        changed = web.put(
            url, content=text.replace("Carol Client", "Carol C."), headers={"If-Match": etag}
        )
        assert changed.status_code == 204 and changed.headers["etag"] != etag

        # seen over GraphQL, unknown properties kept
        found = (await client.data(LIST, q="carol"))["personalContacts"]["edges"]
        assert [e["node"]["name"] for e in found] == ["Carol C."]
        assert found[0]["node"]["emails"] == ["carol@partner.test"]

        # another member's book is not found; the directory stays read-only
        with http(server, other) as theirs:
            assert theirs.get(url).status_code == 404
            assert theirs.put(url, content=text).status_code == 404
        directory = web.put(f"/dav/addressbooks/{email}/directory/x.vcf", content=text)
        assert directory.status_code == 403

        deleted = web.request("DELETE", url, headers={"If-Match": '"stale"'})
        assert deleted.status_code == 412
        assert web.request("DELETE", url).status_code == 204
        assert web.get(url).status_code == 404
    assert (await client.data(LIST, q="carol"))["personalContacts"]["totalCount"] == 0


async def test_sync_collection_reports_changes_from_graphql_and_queries_match(server, pair):
    (email, client), _ = pair
    base = f"/dav/addressbooks/{email}/contacts/"
    with http(server, email) as web:
        _, _, token = sync(web, base, "")
        made = (await client.data(CREATE, i={"name": "Dave Dav", "emails": ["dave@p.test"]}))[
            "createPersonalContact"
        ]
        url = f"{base}{made['uid']}.vcf"
        changed, gone, second = sync(web, base, token)
        assert (changed, gone) == ([url], [])
        assert sync(web, base, second)[:2] == ([], [])

        await client.data(UPDATE, id=made["id"], i={"title": "Buyer"})
        changed, gone, third = sync(web, base, second)
        assert (changed, gone) == ([url], [])
        assert "TITLE:Buyer" in web.get(url).text

        query = web.request(
            "REPORT", base, content=QUERY.format(text="dave@"), headers={"Depth": "1"}
        )
        assert query.status_code == 207 and url in query.text and "FN:Dave Dav" in query.text
        none = web.request("REPORT", base, content=QUERY.format(text="nobody"))
        assert url not in none.text
        hrefs = f"<d:href>{url}</d:href><d:href>{base}missing.vcf</d:href>"
        multi = web.request("REPORT", base, content=MULTIGET.format(hrefs=hrefs))
        responses = ElementTree.fromstring(multi.content).findall("d:response", NS)
        assert len(responses) == 2 and "404" in responses[1].findtext("d:status", "", NS)
        assert "FN:Dave Dav" in responses[0].findtext(".//card:address-data", "", NS)

        await client.data(DELETE, id=made["id"])
        changed, gone, _ = sync(web, base, third)
        assert (changed, gone) == ([], [url])
        bad = web.request("REPORT", base, content=SYNC.format(token="http://x/nope"))
        assert bad.status_code == 403 and "valid-sync-token" in bad.text


@pytest.mark.parametrize(
    ("body", "headers", "status", "condition"),
    [
        ("hello, not a card", {}, 400, "valid-address-data"),
        (vcf("v21", "Old", "o@p.test", version="2.1"), {}, 403, "supported-address-data"),
        (vcf("big", "Big", "b@p.test", "NOTE:" + "x" * 300_000 + "\r\n"), {}, 403, "max-resource-size"),  # noqa: E501
        (vcf("ct", "Type", "t@p.test"), {"Content-Type": "text/calendar"}, 415, "supported-address-data"),  # noqa: E501
        (vcf("a", "A", "a@p.test") + vcf("b", "B", "b@p.test"), {}, 400, "valid-address-data"),
    ],
)  # fmt: skip
async def test_bad_cards_are_refused_with_their_precondition(
    server, pair, body, headers, status, condition
):
    (email, _), _ = pair
    with http(server, email) as web:
        answer = web.put(
            f"/dav/addressbooks/{email}/contacts/{uuid.uuid4()}.vcf", content=body, headers=headers
        )
    assert answer.status_code == status, answer.text
    assert precondition(answer).endswith("}" + condition)


async def test_the_same_uid_under_another_name_is_a_conflict(server, pair):
    (email, _), _ = pair
    uid = str(uuid.uuid4())
    with http(server, email) as web:
        base = f"/dav/addressbooks/{email}/contacts/"
        assert web.put(f"{base}one.vcf", content=vcf(uid, "One", "1@p.test")).status_code == 201
        clash = web.put(f"{base}two.vcf", content=vcf(uid, "Two", "2@p.test"))
        assert clash.status_code == 409 and precondition(clash).endswith("}no-uid-conflict")
        assert web.request("DELETE", f"{base}one.vcf").status_code == 204


def vdirsyncer(config: Path, *args: str, answer: str = "") -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "vdirsyncer"), "-c", str(config), *args],
        input=answer,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


async def test_vdirsyncer_syncs_both_ways(server, tmp_path):
    directory = await Directory.open(server)
    email, client = await member(server, directory, "vdir")
    made = (await client.data(CREATE, i={"name": "From Server", "emails": ["s@p.test"]}))[
        "createPersonalContact"
    ]
    local = tmp_path / "contacts"
    config = tmp_path / "config"
    config.write_text(
        f"""[general]
status_path = "{tmp_path / "status"}"

[pair book]
a = "server"
b = "local"
collections = ["contacts"]
conflict_resolution = "a wins"

[storage server]
type = "carddav"
url = "{server.url}/.well-known/carddav"
username = "{email}"
password = "{PASSWORD}"

[storage local]
type = "filesystem"
path = "{local}"
fileext = ".vcf"
"""
    )
    vdirsyncer(config, "discover", answer="y\ny\ny\n")
    vdirsyncer(config, "sync")
    files = {p.name: p.read_text() for p in (local / "contacts").glob("*.vcf")}
    assert any("FN:From Server" in t for t in files.values()), files

    # a card made in the local folder reaches the server
    uid = str(uuid.uuid4())
    (local / "contacts" / f"{uid}.vcf").write_text(vcf(uid, "From Local", "l@p.test"))
    # a change on the server reaches the local folder
    await client.data(UPDATE, id=made["id"], i={"title": "Changed on server"})
    vdirsyncer(config, "sync")
    found = (await client.data(LIST, q="From Local"))["personalContacts"]["edges"]
    assert [e["node"]["emails"] for e in found] == [["l@p.test"]]
    files = {p.name: p.read_text() for p in (local / "contacts").glob("*.vcf")}
    assert any("TITLE:Changed on server" in t for t in files.values()), files

    # deleted locally: deleted on the server
    for path in (local / "contacts").glob("*.vcf"):
        if "From Local" in path.read_text():
            path.unlink()
    vdirsyncer(config, "sync")
    assert (await client.data(LIST, q="From Local"))["personalContacts"]["totalCount"] == 0
    assert (await client.data(LIST))["personalContacts"]["totalCount"] == 1

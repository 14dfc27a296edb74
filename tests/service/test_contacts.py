"""Personal contacts over GraphQL (issue 19, item 5), in process: create, search by pinyin
and number, pages, a change that keeps the card's other properties, import of a .vcf with
refused cards, export, the limits, and that nobody but the owner sees or changes a contact."""

from __future__ import annotations

import pytest

from mailcore.contacts import book
from mailcore.core.models import Member, PersonalContact
from tests.e2e.client import login
from tests.e2e.server import PASSWORD
from tests.e2e.test_groups import Directory

FIELDS = "id uid name emails phones organization title notes birthday categories etag vcard"
CREATE = f"""
mutation C($i: PersonalContactInput!) {{
  createPersonalContact(input: $i) {{
    __typename ... on PersonalContact {{ {FIELDS} }} ... on ContactError {{ code field message }}
  }}
}}"""
UPDATE = f"""
mutation U($id: ID!, $i: PersonalContactUpdate!) {{
  updatePersonalContact(id: $id, input: $i) {{
    __typename ... on PersonalContact {{ {FIELDS} }} ... on ContactError {{ code field message }}
  }}
}}"""
DELETE = """
mutation D($id: ID!) {
  deletePersonalContact(id: $id) { __typename ... on ContactError { code field } }
}"""
LIST = """
query L($q: String, $first: Int, $after: String) {
  personalContacts(query: $q, first: $first, after: $after) {
    edges { cursor node { id name emails } } pageInfo { hasNextPage endCursor } totalCount
  }
}"""
ONE = "query O($id: ID!) { personalContact(id: $id) { id name } }"
IMPORT = """
mutation I($data: String!) {
  importPersonalContacts(data: $data) {
    __typename
    ... on ContactImport { created updated refused { index name message } }
    ... on ContactError { code field message }
  }
}"""
EXPORT = "query E($ids: [ID!]) { exportPersonalContacts(ids: $ids) }"

PHONE_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card-from-phone-1\r\nFN:王小明\r\nN:王;小明;;;\r\n"
    "EMAIL;TYPE=INTERNET,HOME:xiaoming@partner.test\r\nTEL;TYPE=CELL:+86 139 0000 1111\r\n"
    "ADR;TYPE=WORK:;;1 Road;Shanghai;;200000;China\r\nX-PHONETIC-FIRST-NAME:Xiaoming\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==\r\nEND:VCARD\r\n"
)


@pytest.fixture
async def pair(service):
    directory = await Directory.open(service)
    emails = [await directory.member(name) for name in ("book", "other")]
    return [(e, await login(service.graphql_url, e, PASSWORD)) for e in emails]


async def made(client, **fields) -> dict:
    result = (await client.data(CREATE, i=fields))["createPersonalContact"]
    assert result["__typename"] == "PersonalContact", result
    return result


async def test_contacts_are_made_found_changed_and_deleted(pair):
    (_, me), (_, other) = pair
    zhang = await made(
        me,
        name="张伟",
        emails=["Zhang.Wei@Partner.test"],
        phones=["138 0013 8000"],
        organization="合作伙伴",
        title="经理",
        birthday="--05-20",
        categories=["客户"],
    )
    assert zhang["emails"] == ["zhang.wei@partner.test"]
    assert "BDAY:--0520" in zhang["vcard"] and "CATEGORIES:客户" in zhang["vcard"]
    await made(me, name="Alice Smith", emails=["alice@partner.test"])
    await made(me, phones=["+1 555 0100"])  # a number alone is a contact

    async def names(q=None, **more):
        page = (await me.data(LIST, q=q, **more))["personalContacts"]
        return [e["node"]["name"] for e in page["edges"]], page

    everyone, page = await names()
    assert everyone == ["+1 555 0100", "Alice Smith", "张伟"] and page["totalCount"] == 3
    for q in ("zhangwei", "zw", "张", "partner.test", "13800138000", "合作", "客户"):
        found, _ = await names(q)
        assert "张伟" in found, q
    first, page = await names(first=2)
    assert first == ["+1 555 0100", "Alice Smith"] and page["pageInfo"]["hasNextPage"]
    rest, page = await names(first=2, after=page["pageInfo"]["endCursor"])
    assert rest == ["张伟"] and not page["pageInfo"]["hasNextPage"]

    changed = (
        await me.data(UPDATE, id=zhang["id"], i={"title": "总监", "emails": ["w@partner.test"]})
    )["updatePersonalContact"]
    assert changed["title"] == "总监" and changed["emails"] == ["w@partner.test"]
    assert changed["phones"] == ["138 0013 8000"] and changed["etag"] != zhang["etag"]

    # nobody else sees, changes or deletes it: NOT_FOUND, as if it were not there
    assert (await other.data(ONE, id=zhang["id"]))["personalContact"] is None
    assert (await other.data(LIST))["personalContacts"]["totalCount"] == 0
    refused = (await other.data(UPDATE, id=zhang["id"], i={"name": "x"}))["updatePersonalContact"]
    assert refused["code"] == "NOT_FOUND"
    assert (await other.data(DELETE, id=zhang["id"]))["deletePersonalContact"]["code"] == (
        "NOT_FOUND"
    )
    assert (await other.data(EXPORT))["exportPersonalContacts"] == ""

    assert (await me.data(DELETE, id=zhang["id"]))["deletePersonalContact"]["__typename"] == "Done"
    assert (await me.data(ONE, id=zhang["id"]))["personalContact"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "x", "emails": ["not an address"]}, "emails"),
        ({"name": "x", "phones": ["call me maybe"]}, "phones"),
        ({"name": "x", "birthday": "1990-02-30"}, "birthday"),
        ({"name": "x", "birthday": "May 20"}, "birthday"),
        ({"name": "x" * 256}, "name"),
        ({"name": "bad\x07bell"}, "name"),
        ({"organization": "only an organisation"}, "name"),
        ({"name": "x", "notes": "n" * 10_001}, "notes"),
        ({"name": "x", "categories": ["c" * 65]}, "categories"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(pair, fields, field):
    (_, me), _ = pair
    result = (await me.data(CREATE, i=fields))["createPersonalContact"]
    assert result["__typename"] == "ContactError" and result["code"] == "INVALID", result
    assert result["field"] == field


async def test_a_change_keeps_what_the_apps_do_not_show(pair):
    (_, me), _ = pair
    report = (await me.data(IMPORT, data=PHONE_CARD))["importPersonalContacts"]
    assert report == {"__typename": "ContactImport", "created": 1, "updated": 0, "refused": []}
    node = (await me.data(LIST, q="王"))["personalContacts"]["edges"][0]["node"]
    changed = (await me.data(UPDATE, id=node["id"], i={"title": "CTO"}))["updatePersonalContact"]
    card = changed["vcard"]
    for kept in (
        "X-PHONETIC-FIRST-NAME:Xiaoming",
        "ADR;TYPE=WORK:;;1 Road;Shanghai;;200000;China",
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==",
        "EMAIL;TYPE=INTERNET,HOME:xiaoming@partner.test",
        "UID:card-from-phone-1",
        "TITLE:CTO",
    ):
        assert kept in card, kept
    # the same UID imported again replaces the contact
    again = PHONE_CARD.replace("FN:王小明", "FN:王小明 (new)")
    report = (await me.data(IMPORT, data=again))["importPersonalContacts"]
    assert (report["created"], report["updated"]) == (0, 1)
    assert (await me.data(ONE, id=node["id"]))["personalContact"]["name"] == "王小明 (new)"


async def test_import_reports_refused_cards_and_export_gives_them_back(pair):
    (_, me), _ = pair
    android = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E;=E5=9B=9B;;;\r\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E=E5=9B=9B\r\nTEL;CELL:13900000000\r\n"
        "END:VCARD\r\n"
    )
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nthis is no property\r\nEND:VCARD\r\n"
    huge = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Huge\r\nNOTE:" + "x" * (300 * 1024) + "\r\nEND:VCARD\r\n"
    )
    future = "BEGIN:VCARD\r\nVERSION:5.0\r\nFN:Future\r\nEND:VCARD\r\n"
    data = PHONE_CARD + android + broken + huge + future
    report = (await me.data(IMPORT, data=data))["importPersonalContacts"]
    assert (report["created"], report["updated"]) == (2, 0), report
    refused = {r["index"]: r for r in report["refused"]}
    assert sorted(refused) == [3, 4, 5]
    assert refused[4]["name"] == "Huge" and "KB" in refused[4]["message"]
    assert "version" in refused[5]["message"]
    names = [e["node"]["name"] for e in (await me.data(LIST))["personalContacts"]["edges"]]
    assert sorted(names) == ["李四", "王小明"]

    exported = (await me.data(EXPORT))["exportPersonalContacts"]
    assert exported.count("BEGIN:VCARD") == 2 and "X-PHONETIC-FIRST-NAME:Xiaoming" in exported
    assert "VERSION:3.0" in exported and "VERSION:2.1" not in exported
    nothing = (await me.data(IMPORT, data="hello"))["importPersonalContacts"]
    assert nothing["code"] == "INVALID" and nothing["field"] == "data"


async def test_a_full_book_refuses_more(pair):
    (email, me), _ = pair
    owner = await Member.get(email=email)
    await made(me, name="one")
    await PersonalContact.bulk_create(
        [
            PersonalContact(
                member_id=owner.id, uid=f"u{i}", resource=f"u{i}.vcf", vcard="", etag="",
                name=f"n{i}", search_key=f"n{i}",
            )
            for i in range(book.MAX_CONTACTS - 1)
        ]
    )  # fmt: skip
    refused = (await me.data(CREATE, i={"name": "one too many"}))["createPersonalContact"]
    assert refused["code"] == "LIMIT_REACHED"
    report = (await me.data(IMPORT, data=PHONE_CARD))["importPersonalContacts"]
    assert (
        report["created"] == 0 and f"at most {book.MAX_CONTACTS}" in report["refused"][0]["message"]
    )


async def test_an_export_past_its_limit_is_refused(pair):
    (email, me), _ = pair
    owner = await Member.get(email=email)
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:p\r\nNOTE:" + "x" * 250_000 + "\r\nEND:VCARD\r\n"
    count = book.MAX_EXPORT // len(card) + 1
    await PersonalContact.bulk_create(
        [
            PersonalContact(
                member_id=owner.id, uid=f"e{i}", resource=f"e{i}.vcf", vcard=card, etag="",
                name=f"p{i}", search_key=f"p{i}",
            )
            for i in range(count)
        ]
    )  # fmt: skip
    answer = await me.execute(EXPORT)
    assert answer["errors"][0]["extensions"]["code"] == "TOO_LARGE", answer
    ids = [e["node"]["id"] for e in (await me.data(LIST, first=2))["personalContacts"]["edges"]]
    some = (await me.data(EXPORT, ids=ids))["exportPersonalContacts"]
    assert some.count("BEGIN:VCARD") == 2

"""Mail search through GraphQL: mail that arrives by SMTP becomes searchable (Chinese inside
words, English words, attachments), filters, pages, member isolation, and index updates on
flag/move/delete."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import mx, unique
from tests.e2e.server import PASSWORD, seed

DOMAIN, OTHER = "searchco.test", "searchzed.test"
SAM, SUE, ZED = f"sam@{DOMAIN}", f"sue@{DOMAIN}", f"zed@{OTHER}"

SEARCH = """
query Search($q: String!, $folder: String, $from: String, $to: String, $since: Date,
             $until: Date, $hasAttachment: Boolean, $unread: Boolean, $first: Int,
             $after: String) {
  search(query: $q, folder: $folder, from: $from, to: $to, since: $since, until: $until,
         hasAttachment: $hasAttachment, unread: $unread, first: $first, after: $after) {
    edges { cursor node { id subject from { address } date snippet seen folderId } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""
MARK_READ = """
mutation Read($ids: [ID!]!) { markRead(ids: $ids, read: true) { __typename } }
"""
MOVE = """
mutation Move($ids: [ID!]!, $folder: String!) { move(ids: $ids, folder: $folder) { __typename } }
"""
DELETE = """
mutation Delete($ids: [ID!]!) { delete(ids: $ids) { __typename } }
"""


@pytest.fixture(scope="module")
def people(server):
    """An enterprise of our own (sam, sue) and one other (zed), so counts are ours alone."""
    seed(server, domains=(DOMAIN, OTHER), members={email: {} for email in (SAM, SUE, ZED)})
    return server


def deliver(
    server,
    to: str,
    subject: str,
    body: str,
    sender: str = "Carol 陈 <carol@partner.test>",
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("carol@partner.test", [to], msg.as_bytes())


async def search(client: GraphQLClient, query: str, **args) -> dict:
    return (await client.data(SEARCH, q=query, **args))["search"]


async def until_found(client: GraphQLClient, query: str, count: int, wait: float = 20, **args):
    """Search until the index itself holds ``count`` hits (indexing runs off the request path).

    Hits are checked again in the database before they are shown, so the edges can
    be right while the index still lags: wait for ``totalCount`` (the index's own
    figure) to agree as well.
    """
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        result = await search(client, query, **args)
        settled = len(result["edges"]) == count == result["totalCount"]
        if settled or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def test_mail_from_smtp_is_found_by_words_chinese_and_attachments(people):
    tag = unique("q").split()[1]
    deliver(
        people,
        SAM,
        f"明天开会议室讨论 {tag}",
        f"Quarterly budget review {tag}",
        html=f"<p>Quarterly <b>budget</b> review {tag}</p>",
        attachments=[
            ("notes.txt", "text/plain", "confidential roadmap 蓝图规划".encode()),
            ("figures.csv", "text/csv", b"region,revenue\nshanghai,42\n"),
        ],
    )
    sam = await login(people.graphql_url, SAM, PASSWORD)
    found = await until_found(sam, tag, 1)
    [edge] = found["edges"]
    assert edge["node"]["from"]["address"] == "carol@partner.test"
    assert f"<mark>{tag}</mark>" in edge["node"]["snippet"]
    for query in (
        "会议",
        "议室",
        "开会",
        "quarterly budget",
        "budg",
        "roadmap",
        "蓝图",
        "notes",
        "shanghai",
        "carol@partner.test",
        "陈",
    ):
        hits = await search(sam, f"{tag} {query}")
        assert [e["node"]["id"] for e in hits["edges"]] == [edge["node"]["id"]], query
    hit = (await search(sam, f"{tag} 会议"))["edges"][0]["node"]
    assert "<mark>会议</mark>" in hit["snippet"]
    assert (await search(sam, f"议会 {tag}"))["edges"] == []
    assert (await search(sam, f"budgets {tag} review"))["edges"] == []  # whole words
    # Another member of the same company, and a member of another company, find nothing.
    for other in (SUE, ZED):
        client = await login(people.graphql_url, other, PASSWORD)
        assert (await search(client, tag))["edges"] == []
        assert (await search(client, "会议"))["edges"] == []


async def test_filters_pages_and_updates(people):
    tag = unique("f").split()[1]
    for n in range(5):
        files = [("plan.txt", "text/plain", b"plan")] if n == 0 else []
        deliver(
            people,
            SUE,
            f"report {n} {tag}",
            f"weekly numbers {tag}",
            attachments=files,
            sender=f"Boss <boss{n % 2}@partner.test>",
        )
        await asyncio.sleep(0.01)
    sue = await login(people.graphql_url, SUE, PASSWORD)
    everything = await until_found(sue, tag, 5)
    subjects = [e["node"]["subject"] for e in everything["edges"]]
    assert subjects == [f"report {n} {tag}" for n in (4, 3, 2, 1, 0)]  # newest first
    assert everything["totalCount"] == 5

    first = await search(sue, tag, first=2)
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    second = await search(sue, tag, first=2, after=first["pageInfo"]["endCursor"])
    third = await search(sue, tag, first=2, after=second["pageInfo"]["endCursor"])
    paged = [e["node"]["subject"] for p in (first, second, third) for e in p["edges"]]
    assert paged == subjects and not third["pageInfo"]["hasNextPage"]
    assert (await search(sue, tag, after="not-a-cursor"))["edges"] == []

    ids = {e["node"]["subject"].split()[1]: e["node"]["id"] for e in everything["edges"]}
    attached = await search(sue, tag, hasAttachment=True)
    assert [e["node"]["id"] for e in attached["edges"]] == [ids["0"]]
    from_boss1 = await search(sue, tag, **{"from": "boss1@partner.test"})
    assert {e["node"]["id"] for e in from_boss1["edges"]} == {ids["1"], ids["3"]}
    assert len((await search(sue, tag, to=SUE))["edges"]) == 5
    assert (await search(sue, tag, to="nobody@partner.test"))["edges"] == []
    today = datetime.now(UTC).date()
    assert len((await search(sue, tag, since=str(today), until=str(today)))["edges"]) == 5
    yesterday = str(today - timedelta(days=1))
    assert (await search(sue, tag, until=yesterday))["edges"] == []

    # Read, moved and deleted mail: the index follows.
    await sue.data(MARK_READ, ids=[ids["4"]])
    unread = await until_found(sue, tag, 4, unread=True)
    assert ids["4"] not in {e["node"]["id"] for e in unread["edges"]}
    await sue.data(MOVE, ids=[ids["3"]], folder="ARCHIVE")
    archived = await until_found(sue, tag, 1, folder="ARCHIVE")
    assert [e["node"]["id"] for e in archived["edges"]] == [ids["3"]]
    assert (await search(sue, tag, folder="INBOX"))["totalCount"] == 4
    await sue.data(DELETE, ids=[ids["2"]])
    left = await until_found(sue, tag, 4)
    assert ids["2"] not in {e["node"]["id"] for e in left["edges"]}
    trash = await search(sue, tag, folder="TRASH")
    assert [e["node"]["id"] for e in trash["edges"]] == [ids["2"]]
    await sue.data(DELETE, ids=[ids["2"]])  # from Trash: gone for good
    gone = await until_found(sue, tag, 0, folder="TRASH")
    assert gone["edges"] == [] and gone["totalCount"] == 0
    bad_folder = await sue.execute(SEARCH, q=tag, folder="No/Such/Folder")
    assert bad_folder["errors"][0]["extensions"]["code"] == "NOT_FOUND"


BAD_QUERIES = [
    '"',
    '"unclosed',
    "AND OR NOT",
    "subject:x",
    "(((",
    "*",
    "a* -b +c",
    "\\",
    "[1 TO 2]",
    "😀",
    "😀 会议 😀",
    "\x01\x02\x7f",
    "\u202e\u200b",
    "x" * 10_240,
    "会" * 3000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "owner = 1 OR owner = 2",
    "%s%n{}",
]


async def test_any_query_string_answers_results_or_an_empty_list(people):
    zed = await login(people.graphql_url, ZED, PASSWORD)
    for query in BAD_QUERIES:
        body = await zed.execute(SEARCH, q=query, first=5)
        assert not body.get("errors"), (query[:40], body.get("errors"))
        assert body["data"]["search"]["edges"] == []
    for first in (0, -5, 10_000):
        assert (await search(zed, "x", first=first))["edges"] == []
    body = await zed.execute(SEARCH, q="a\x00b")  # NUL: the schema-wide typed refusal
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    anonymous = await GraphQLClient(people.graphql_url).execute(SEARCH, q="x")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

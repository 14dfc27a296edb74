"""Drafts that keep their attachments on the server (uploaded once), and forwarding only some
of a message's attachments: ``keepAttachments`` and ``forwardAttachments`` of ComposeInput."""

from __future__ import annotations

import json
import os

import httpx

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, unique
from tests.e2e.server import PASSWORD

RESULT = """
    __typename
    ... on MailError { code field message }
"""
SAVE = f"""
mutation Save($input: ComposeInput!) {{
  saveDraft(input: $input) {{
    ... on DraftSaved {{ draft {{ id attachments {{ index filename size }} }} }}
    {RESULT}
  }}
}}"""
SEND = f"""
mutation Send($input: ComposeInput!) {{
  sendMail(input: $input) {{ ... on SendMailSuccess {{ sent {{ id }} }} {RESULT} }}
}}"""
MESSAGE = """
query Message($id: ID!) {
  message(id: $id) { id text attachments { index filename size url } }
}"""


async def upload(client: GraphQLClient, query: str, files: list[tuple[str, bytes]], **fields):
    """``query`` with ``files`` uploaded as ``input.attachments`` (GraphQL multipart request)."""
    variables = {"input": {**fields, "attachments": [None] * len(files)}}
    mapping = {str(i): [f"variables.input.attachments.{i}"] for i in range(len(files))}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            client.url,
            headers=client.headers(),
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps(mapping),
            },
            files={
                str(i): (name, data, "application/octet-stream")
                for i, (name, data) in enumerate(files)
            },
        )
    body = response.json()
    assert not body.get("errors"), body
    return next(iter(body["data"].values()))


async def download(server, client: GraphQLClient, attachment: dict) -> bytes:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        got = await http.get(attachment["url"], headers=client.headers())
    assert got.status_code == 200
    return got.content


async def test_a_kept_attachment_is_carried_from_draft_to_draft_to_the_sent_mail(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("kept")
    payload = os.urandom(300_000)
    first = await upload(
        alice, SAVE, [("plan.bin", payload)], to=["bob@example.com"], subject=subject, text="v1"
    )
    assert first["__typename"] == "DraftSaved", first
    [att] = first["draft"]["attachments"]

    # given a saved draft with an attachment, when it is saved again keeping it (no upload;
    # an index named twice is kept once)
    second = await alice.data(
        SAVE,
        input={
            "to": ["bob@example.com"],
            "subject": subject,
            "text": "v2",
            "draftId": first["draft"]["id"],
            "keepAttachments": [att["index"], att["index"]],
        },
    )
    draft = second["saveDraft"]["draft"]
    # then the new version holds the same bytes and the old version is gone
    assert [(a["filename"], a["size"]) for a in draft["attachments"]] == [
        ("plan.bin", len(payload))
    ]
    stored = (await alice.data(MESSAGE, id=draft["id"]))["message"]
    assert await download(server, alice, stored["attachments"][0]) == payload
    gone = await alice.execute(MESSAGE, id=first["draft"]["id"])
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # a kept attachment plus a new upload, sent: the recipient gets both, kept one first
    sent = await upload(
        alice,
        SEND,
        [("extra.txt", b"second file")],
        to=["bob@example.com"],
        subject=subject,
        text="final",
        draftId=draft["id"],
        keepAttachments=[draft["attachments"][0]["index"]],
    )
    assert sent["__typename"] == "SendMailSuccess", sent
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    received = (await bob.data(MESSAGE, id=(await find(bob, subject))["id"]))["message"]
    assert [a["filename"] for a in received["attachments"]] == ["plan.bin", "extra.txt"]
    assert await download(server, bob, received["attachments"][0]) == payload
    assert await find(alice, subject, folder="DRAFTS", wait=0) is None


async def test_attachments_are_kept_only_from_the_callers_own_draft(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("foreign")
    saved = await upload(alice, SAVE, [("secret.bin", b"alice only")], subject=subject, text="x")
    draft = saved["draft"]

    # bob names alice's draft: refused as if it did not exist, and alice's draft stays
    for query, name in ((SAVE, "saveDraft"), (SEND, "sendMail")):
        refused = (
            await bob.data(
                query,
                input={
                    "to": ["bob@example.com"],
                    "subject": subject,
                    "draftId": draft["id"],
                    "keepAttachments": [0],
                },
            )
        )[name]
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "MailError",
            "NOT_FOUND",
            "draftId",
        )
    assert (await alice.data(MESSAGE, id=draft["id"]))["message"]["attachments"]
    assert await find(bob, subject, wait=0) is None

    # keeping without a draft, an index the draft does not have, or from a non-draft
    nodraft = (await alice.data(SAVE, input={"subject": subject, "keepAttachments": [0]}))[
        "saveDraft"
    ]
    assert (nodraft["code"], nodraft["field"]) == ("INVALID", "keepAttachments")
    missing = (
        await alice.data(
            SAVE, input={"subject": subject, "draftId": draft["id"], "keepAttachments": [7]}
        )
    )["saveDraft"]
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "keepAttachments")
    sent = await upload(
        alice, SEND, [("s.bin", b"sent")], to=["bob@example.com"], subject=subject, text="s"
    )
    not_a_draft = (
        await alice.data(
            SAVE, input={"subject": subject, "draftId": sent["sent"]["id"], "keepAttachments": [0]}
        )
    )["saveDraft"]
    assert (not_a_draft["code"], not_a_draft["field"]) == ("NOT_FOUND", "draftId")
    assert (await alice.data(MESSAGE, id=draft["id"]))["message"]["attachments"], (
        "the draft was not dropped"
    )


async def test_forward_with_only_some_of_the_attachments(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("two files")
    await upload(
        alice,
        SEND,
        [("a.txt", b"first"), ("b.txt", b"second")],
        to=["bob@example.com"],
        subject=subject,
        text="2",
    )
    original = (await bob.data(MESSAGE, id=(await find(bob, subject))["id"]))["message"]
    second = next(a for a in original["attachments"] if a["filename"] == "b.txt")

    result = (
        await bob.data(
            SEND,
            input={
                "to": ["vip@example.com"],
                "text": "FYI",
                "forward": original["id"],
                "forwardAttachments": [second["index"]],
            },
        )
    )["sendMail"]
    assert result["__typename"] == "SendMailSuccess", result
    vip = await login(server.graphql_url, "vip@example.com", PASSWORD)
    forwarded = (await vip.data(MESSAGE, id=(await find(vip, f"Fwd: {subject}"))["id"]))["message"]
    assert [a["filename"] for a in forwarded["attachments"]] == ["b.txt"]
    assert await download(server, vip, forwarded["attachments"][0]) == b"second"

    none = (
        await bob.data(
            SEND,
            input={
                "to": ["vip@example.com"],
                "subject": f"none {subject}",
                "text": "-",
                "forward": original["id"],
                "forwardAttachments": [],
            },
        )
    )["sendMail"]
    assert none["__typename"] == "SendMailSuccess"
    plain = (await vip.data(MESSAGE, id=(await find(vip, f"none {subject}"))["id"]))["message"]
    assert plain["attachments"] == []
    wrong = (
        await bob.data(
            SEND,
            input={"to": ["vip@example.com"], "forward": original["id"], "forwardAttachments": [9]},
        )
    )["sendMail"]
    assert (wrong["code"], wrong["field"]) == ("NOT_FOUND", "forwardAttachments")

"""The GraphQL mail API over HTTP: login, compose with uploads, read, threads, flags, folders."""

from __future__ import annotations

import json

import httpx

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, unique
from tests.e2e.server import PASSWORD

SEND = """
mutation Send($input: ComposeInput!) {
  sendMail(input: $input) {
    __typename
    ... on SendMailSuccess { queued sent { id subject conversationId } }
    ... on MailError { code field message }
  }
}
"""
MESSAGE = """
query Message($id: ID!) {
  message(id: $id) {
    id subject from { address name } to { address } cc { address } date text html
    attachments { id filename contentType size url }
    conversationId seen flagged answered
  }
}
"""
FOLDERS = "{ folders { id name role unread total parentId } }"
CONVERSATIONS = """
query Conversations($folder: String) {
  conversations(folder: $folder, first: 50) {
    edges { node { id subject messageCount unreadCount messages { id subject } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
MARK_READ = """
mutation Read($ids: [ID!]!, $read: Boolean!) {
  markRead(ids: $ids, read: $read) {
    __typename ... on MessagesUpdated { messages { id seen } } ... on MailError { code }
  }
}
"""
FLAG = """
mutation Flag($ids: [ID!]!) {
  flag(ids: $ids) { __typename ... on MessagesUpdated { messages { id flagged } } }
}
"""
MOVE = """
mutation Move($ids: [ID!]!, $folder: String!) {
  move(ids: $ids, folder: $folder) {
    __typename ... on MessagesUpdated { messages { id folderId } } ... on MailError { code field }
  }
}
"""
DELETE = """
mutation Delete($ids: [ID!]!) {
  delete(ids: $ids) {
    __typename ... on MessagesDeleted { trashed { id } expunged } ... on MailError { code }
  }
}
"""


async def send(client: GraphQLClient, **fields) -> dict:
    return (await client.data(SEND, input=fields))["sendMail"]


async def send_with_file(
    client: GraphQLClient, filename: str, data: bytes, content_type: str, **fields
) -> dict:
    """sendMail with one attachment, uploaded with the GraphQL multipart request spec."""
    operations = {"query": SEND, "variables": {"input": {**fields, "attachments": [None]}}}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            client.url,
            headers=client.headers(),
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.input.attachments.0"]}),
            },
            files={"0": (filename, data, content_type)},
        )
    return response.json()["data"]["sendMail"]


async def test_login_with_a_wrong_password_is_a_typed_error(server):
    client = GraphQLClient(server.graphql_url)
    data = await client.data(
        'mutation { login(email: "alice@example.com", password: "nope") '
        "{ __typename ... on AuthError { code message } } }"
    )
    assert data["login"] == {
        "__typename": "AuthError",
        "code": "INVALID_CREDENTIALS",
        "message": "wrong address or password",
    }


async def test_without_a_token_the_mailbox_is_refused(server):
    body = await GraphQLClient(server.graphql_url).execute(FOLDERS)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_logout_ends_the_session(server):
    client = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert (await client.data("mutation { logout }"))["logout"] is True
    body = await client.execute(FOLDERS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_me_and_system_folders(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    data = await bob.data("{ me { email name vip quota used conversationMode } }")
    assert data["me"]["email"] == "bob@example.com" and data["me"]["name"] == "Bob"
    assert data["me"]["quota"] > 0
    roles = [f["role"] for f in (await bob.data(FOLDERS))["folders"]]
    assert roles[:6] == ["INBOX", "DRAFTS", "SENT", "TRASH", "SPAM", "ARCHIVE"]


async def test_send_with_attachment_read_back_and_download(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("附件 report")
    result = await send_with_file(
        alice,
        "季度报告.csv",
        "名字,数量\n苹果,3\n".encode(),
        "text/csv",
        to=["Bob <bob@example.com>"],
        cc=["carol@example.com"],
        subject=subject,
        html="<p>见附件 <b>bold</b></p><script>alert(1)</script>",
    )
    assert result["__typename"] == "SendMailSuccess", result
    assert result["queued"] == 0
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    node = await find(bob, subject)
    assert node["hasAttachments"] is True and node["from"]["address"] == "alice@example.com"
    message = (await bob.data(MESSAGE, id=node["id"]))["message"]
    assert message["cc"] == [{"address": "carol@example.com"}]
    assert "<b>bold</b>" in message["html"] and "script" not in message["html"]
    assert "见附件" in message["text"]
    [attachment] = message["attachments"]
    assert attachment["filename"] == "季度报告.csv" and attachment["contentType"] == "text/csv"
    async with httpx.AsyncClient(base_url=server.url) as http:
        download = await http.get(attachment["url"], headers=bob.headers())
        assert download.status_code == 200
        assert download.content.decode() == "名字,数量\n苹果,3\n"
        anonymous = await http.get(attachment["url"].split("?")[0])  # without its ticket
        assert anonymous.status_code == 401
        olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
        stranger = await http.get(attachment["url"], headers=olga.headers())
        assert stranger.status_code == 404


async def test_another_members_message_is_not_found(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("private")
    await send(alice, to=["bob@example.com"], subject=subject, text="secret")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    theirs = (await find(bob, subject))["id"]
    body = await alice.execute(MESSAGE, id=theirs)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    changed = await alice.data(MARK_READ, ids=[theirs], read=True)
    assert changed["markRead"] == {"__typename": "MailError", "code": "NOT_FOUND"}


async def test_reply_builds_a_conversation_and_marks_answered(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("项目 kickoff")
    await send(alice, to=["bob@example.com"], subject=subject, text="first")
    original = await find(bob, subject)
    reply = await send(bob, to=["alice@example.com"], text="second", replyTo=original["id"])
    assert reply["sent"]["subject"] == f"Re: {subject}"
    again = await find(alice, f"Re: {subject}")
    await send(alice, to=["bob@example.com"], text="third", replyTo=again["id"])
    conversations = (await bob.data(CONVERSATIONS))["conversations"]["edges"]
    [thread] = [c["node"] for c in conversations if c["node"]["subject"] == subject]
    assert thread["messageCount"] == 3, "two received and bob's own reply from Sent"
    assert thread["unreadCount"] == 2
    assert (await bob.data(MESSAGE, id=original["id"]))["message"]["answered"] is True


async def test_subject_fallback_threads_chinese_reply_prefixes(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("预算")
    await send(alice, to=["bob@example.com"], subject=subject, text="a")
    await send(alice, to=["bob@example.com"], subject=f"回复：{subject}", text="b")
    await send(alice, to=["bob@example.com"], subject=f"转发: {subject}", text="c")
    edges = (await bob.data(CONVERSATIONS, folder="INBOX"))["conversations"]["edges"]
    [thread] = [e["node"] for e in edges if e["node"]["subject"] == subject]
    assert thread["messageCount"] == 3


async def test_flags_move_delete_and_expunge_free_quota(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("flags")
    await send(alice, to=["bob@example.com"], subject=subject, text="x" * 5000)
    node = await find(bob, subject)
    ids = [node["id"]]
    assert (await bob.data(MARK_READ, ids=ids, read=True))["markRead"]["messages"][0]["seen"]
    assert (await bob.data(FLAG, ids=ids))["flag"]["messages"][0]["flagged"] is True
    moved = (await bob.data(MOVE, ids=ids, folder="ARCHIVE"))["move"]
    assert moved["__typename"] == "MessagesUpdated"
    assert await find(bob, subject, folder="ARCHIVE", wait=0) is not None
    assert await find(bob, subject, wait=0) is None
    missing = (await bob.data(MOVE, ids=ids, folder="Nowhere"))["move"]
    assert missing == {"__typename": "MailError", "code": "NOT_FOUND", "field": "folder"}
    used_before = (await bob.data("{ me { used } }"))["me"]["used"]
    trashed = (await bob.data(DELETE, ids=ids))["delete"]
    assert trashed["trashed"] == [{"id": node["id"]}] and trashed["expunged"] == []
    assert await find(bob, subject, folder="TRASH", wait=0) is not None
    expunged = (await bob.data(DELETE, ids=ids))["delete"]
    assert expunged["expunged"] == [node["id"]]
    assert await find(bob, subject, folder="TRASH", wait=0) is None
    used_after = (await bob.data("{ me { used } }"))["me"]["used"]
    assert used_before - used_after > 5000
    body = await bob.execute(MESSAGE, id=node["id"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_custom_nested_folders(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    create = """
    mutation C($name: String!, $parent: ID) {
      createFolder(name: $name, parentId: $parent) {
        __typename ... on FolderPayload { folder { id name parentId } }
        ... on MailError { code field }
      }
    }"""
    name = unique("Projects")
    parent = (await bob.data(create, name=name))["createFolder"]["folder"]
    child = (await bob.data(create, name="2026", parent=parent["id"]))["createFolder"]["folder"]
    assert child["parentId"] == parent["id"]
    duplicate = (await bob.data(create, name=name.upper()))["createFolder"]
    assert duplicate == {"__typename": "MailError", "code": "FOLDER_EXISTS", "field": "name"}
    system = (await bob.data(create, name="inbox"))["createFolder"]
    assert system["code"] == "FOLDER_EXISTS"
    bad = (await bob.data(create, name="a/b"))["createFolder"]
    assert bad == {"__typename": "MailError", "code": "INVALID", "field": "name"}
    rename = """
    mutation R($id: ID!, $name: String!) {
      renameFolder(id: $id, name: $name) {
        __typename ... on FolderPayload { folder { name } } ... on MailError { code }
      }
    }"""
    renamed = (await bob.data(rename, id=child["id"], name="2027"))["renameFolder"]
    assert renamed["folder"]["name"] == "2027"
    inbox_id = (await bob.data(FOLDERS))["folders"][0]["id"]
    protected = (await bob.data(rename, id=inbox_id, name="Mine"))["renameFolder"]
    assert protected == {"__typename": "MailError", "code": "FOLDER_PROTECTED"}
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("filed")
    await send(alice, to=["bob@example.com"], subject=subject, text="to file")
    node = await find(bob, subject)
    await bob.data(MOVE, ids=[node["id"]], folder=f"{name}/2027")
    assert await find(bob, subject, folder=child["id"], wait=0) is not None
    delete = """
    mutation D($id: ID!) {
      deleteFolder(id: $id) { __typename ... on FolderDeleted { ids } ... on MailError { code } }
    }"""
    deleted = (await bob.data(delete, id=parent["id"]))["deleteFolder"]
    assert set(deleted["ids"]) == {parent["id"], child["id"]}
    assert await find(bob, subject, folder="TRASH", wait=0) is not None


async def test_drafts_are_saved_replaced_and_removed_on_send(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    save = """
    mutation S($input: ComposeInput!) {
      saveDraft(input: $input) {
        __typename
        ... on DraftSaved { draft { id subject draft } }
        ... on MailError { code message }
      }
    }"""
    subject = unique("draft")
    first = await alice.data(save, input={"to": ["bob@"], "subject": subject, "text": "v1"})
    assert first["saveDraft"]["__typename"] == "DraftSaved", first
    garbled = await alice.data(save, input={"to": [")"], "subject": subject, "text": "v0"})
    refused = garbled["saveDraft"]  # no header can hold it: a typed error, not a crash
    assert (refused["__typename"], refused["code"]) == ("MailError", "INVALID_RECIPIENT"), refused
    draft = first["saveDraft"]["draft"]
    assert draft["draft"] is True
    second = await alice.data(
        save,
        input={"to": ["bob@example.com"], "subject": subject, "text": "v2", "draftId": draft["id"]},
    )
    new_id = second["saveDraft"]["draft"]["id"]
    drafts = await alice.data('{ messages(folder: "DRAFTS") { edges { node { id subject } } } }')
    mine = [e["node"]["id"] for e in drafts["messages"]["edges"] if e["node"]["subject"] == subject]
    assert mine == [new_id]
    message = (await alice.data(MESSAGE, id=new_id))["message"]
    assert message["text"].strip() == "v2"
    result = await send(alice, to=["bob@example.com"], subject=subject, text="v2", draftId=new_id)
    assert result["__typename"] == "SendMailSuccess"
    assert await find(alice, subject, folder="DRAFTS", wait=0) is None


async def test_compose_errors_are_typed(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    unknown = await send(alice, to=["ghost@example.com"], subject="x", text="x")
    assert unknown["__typename"] == "MailError" and unknown["code"] == "INVALID_RECIPIENT"
    assert unknown["field"] == "to"
    nobody = await send(alice, subject="x", text="x")
    assert nobody["code"] == "NO_RECIPIENTS"
    garbage = await send(alice, to=["not an address"], subject="x", text="x")
    assert garbage["code"] == "INVALID_RECIPIENT"


async def test_pagination_is_newest_first_without_gaps(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    tag = unique("page")
    for i in range(7):
        await send(alice, to=["vip@example.com"], subject=f"{tag} {i}", text="p")
    vip = await login(server.graphql_url, "vip@example.com", PASSWORD)
    query = """
    query P($after: String) {
      messages(folder: "INBOX", first: 3, after: $after) {
        edges { node { subject } } pageInfo { hasNextPage endCursor }
      }
    }"""
    seen, after = [], None
    while True:
        page = (await vip.data(query, after=after))["messages"]
        seen += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    mine = [s for s in seen if s.startswith(tag)]
    assert mine == [f"{tag} {i}" for i in reversed(range(7))]
    assert len(seen) == len(set(seen)) or len(mine) == 7
    bad = await vip.execute(query, after="!!not-a-cursor")
    assert bad["errors"][0]["extensions"]["code"] == "INVALID"


async def test_conversation_mode_is_a_per_member_choice(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    toggle = "mutation T($on: Boolean!) { setConversationMode(enabled: $on) { conversationMode } }"
    assert (await bob.data(toggle, on=False))["setConversationMode"]["conversationMode"] is False
    assert (await bob.data("{ me { conversationMode } }"))["me"]["conversationMode"] is False
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert (await alice.data("{ me { conversationMode } }"))["me"]["conversationMode"] is True
    await bob.data(toggle, on=True)


async def test_over_deep_and_over_large_queries_are_refused(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    fine = "{ conversations { edges { node { messages { attachments { id } } } } } }"
    assert not (await bob.execute(fine)).get("errors")
    deep = "{ me " + "{ a " * 12 + "{ b" + " }" * 13 + " }"
    errors = (await bob.execute(deep))["errors"]
    assert any("exceeds maximum operation depth" in e["message"] for e in errors)
    aliases = "{" + " ".join(f"a{i}: me {{ email }}" for i in range(40)) + "}"
    errors = (await bob.execute(aliases))["errors"]
    assert "aliases" in errors[0]["message"].lower()
    huge = "{ me { " + " ".join(["email"] * 5000) + " } }"
    errors = (await bob.execute(huge))["errors"]
    assert "token" in errors[0]["message"].lower()
    async with httpx.AsyncClient(timeout=30) as http:
        big = await http.post(
            server.graphql_url,
            headers=bob.headers(),
            json={"query": "{ me { email } }", "pad": "x" * 2_000_000},
        )
    assert big.status_code == 413


async def test_forward_carries_the_attachments_and_references(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("合同")
    await send_with_file(
        alice,
        "合同.pdf",
        b"%PDF-1.4 fake",
        "application/pdf",
        to=["bob@example.com"],
        subject=subject,
        text="附件",
    )
    original = await find(bob, subject)
    result = await send(bob, to=["vip@example.com"], text="FYI", forward=original["id"])
    assert result["sent"]["subject"] == f"Fwd: {subject}"
    vip = await login(server.graphql_url, "vip@example.com", PASSWORD)
    forwarded = await find(vip, f"Fwd: {subject}")
    message = (await vip.data(MESSAGE, id=forwarded["id"]))["message"]
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("合同.pdf", 13)]
    assert message["html"] is None and "FYI" in message["text"]

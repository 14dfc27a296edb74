"""The netdisk over GraphQL and tus, in process (docs/netdisk.md): spaces, folders with names
checked and normalised, pages, rename/move/copy, trash, versions, quotas, roles, upload
sessions and the cleanup of abandoned ones."""

from __future__ import annotations

import base64
import unicodedata
from datetime import UTC, datetime, timedelta

from mailcore.core.blobs.gc import referenced
from mailcore.core.models import Member, NetdiskPart, NetdiskUpload
from mailcore.netdisk.uploads import clean_expired
from tests.e2e.client import GraphQLClient, http_client, login
from tests.e2e.server import PASSWORD

NODE = "id name kind size version folderId spaceId downloadUrl"
ERR = "... on NetdiskError { code field message }"
SPACES = "query { netdiskSpaces { id kind name myRole usedBytes quotaBytes keepVersions } }"
FOLDER = f"""
query F($s: ID!, $f: ID, $first: Int, $after: String) {{
  netdiskFolder(spaceId: $s, folderId: $f, first: $first, after: $after) {{
    __typename
    ... on NetdiskFolderPage {{ items {{ {NODE} }} endCursor hasMore space {{ myRole }} }}
    {ERR}
  }}
}}"""
MKDIR = f"""
mutation M($s: ID!, $f: ID, $n: String!) {{
  createNetdiskFolder(spaceId: $s, folderId: $f, name: $n) {{
    __typename ... on NetdiskNode {{ {NODE} }} {ERR}
  }}
}}"""
RENAME = f"""
mutation R($id: ID!, $n: String!) {{
  renameNetdiskNode(id: $id, name: $n) {{ __typename ... on NetdiskNode {{ {NODE} }} {ERR} }}
}}"""
MOVE = f"""
mutation V($id: ID!, $s: ID!, $f: ID) {{
  moveNetdiskNode(id: $id, spaceId: $s, folderId: $f) {{
    __typename ... on NetdiskNode {{ {NODE} }} {ERR}
  }}
}}"""
COPY = f"""
mutation C($id: ID!, $s: ID!, $f: ID) {{
  copyNetdiskNode(id: $id, spaceId: $s, folderId: $f) {{
    __typename ... on NetdiskNode {{ {NODE} }} {ERR}
  }}
}}"""
TRASH = f"""
mutation T($id: ID!) {{
  trashNetdiskNode(id: $id) {{ __typename ... on NetdiskNode {{ {NODE} }} {ERR} }}
}}"""
RESTORE = f"""
mutation U($id: ID!) {{
  restoreNetdiskNode(id: $id) {{ __typename ... on NetdiskNode {{ {NODE} }} {ERR} }}
}}"""
PURGE = f"mutation P($id: ID!) {{ purgeNetdiskNode(id: $id) {{ __typename {ERR} }} }}"
TRASHED = "query T($s: ID!) { netdiskTrash(spaceId: $s) { id name } }"
SEARCH = "query S($s: ID!, $t: String!) { netdiskSearch(spaceId: $s, text: $t) { id name } }"
VERSIONS = "query V($id: ID!) { netdiskVersions(id: $id) { number size } }"
KEEP = f"""
mutation K($s: ID!, $k: Int!) {{
  setNetdiskKeepVersions(spaceId: $s, keep: $k) {{ __typename ... on NetdiskSpace {{ id }} {ERR} }}
}}"""
OLD_VERSION = f"""
mutation O($id: ID!, $n: Int!) {{
  restoreNetdiskVersion(id: $id, number: $n) {{ __typename ... on NetdiskNode {{ {NODE} }} {ERR} }}
}}"""
PROJECT = f"""
mutation P($n: String!) {{
  createNetdiskProjectSpace(name: $n) {{ __typename ... on NetdiskSpace {{ id myRole }} {ERR} }}
}}"""
GRANT = f"""
mutation G($s: ID!, $f: ID, $k: NetdiskPrincipalKind!, $p: ID!, $r: NetdiskRole!) {{
  grantNetdiskRole(spaceId: $s, folderId: $f, principalKind: $k, principalId: $p, role: $r) {{
    __typename ... on NetdiskGrant {{ id role }} {ERR}
  }}
}}"""
REVOKE = f"mutation R($id: ID!) {{ revokeNetdiskGrant(id: $id) {{ __typename {ERR} }} }}"
UPLOADS = "query { netdiskUploads { id filename length offset url } }"
CANCEL = f"mutation C($id: ID!) {{ cancelNetdiskUpload(id: $id) {{ __typename {ERR} }} }}"


async def _personal(client: GraphQLClient) -> str:
    spaces = (await client.data(SPACES))["netdiskSpaces"]
    assert spaces[0]["kind"] == "PERSONAL" and spaces[0]["myRole"] == "MANAGER"
    return spaces[0]["id"]


async def _mkdir(client: GraphQLClient, space: str, name: str, folder: str | None = None):
    return (await client.data(MKDIR, s=space, f=folder, n=name))["createNetdiskFolder"]


async def _items(client: GraphQLClient, space: str, folder: str | None = None) -> list[dict]:
    page = (await client.data(FOLDER, s=space, f=folder, first=500))["netdiskFolder"]
    assert page["__typename"] == "NetdiskFolderPage", page
    return page["items"]


async def _upload(
    service, client: GraphQLClient, data: bytes, **metadata: str
) -> tuple[int, dict[str, str]]:
    """A whole tus upload (creation-with-upload): its status and headers."""
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())
    async with http_client(service.url) as http:
        answer = await http.post(
            f"{service.url}/uploads/",
            content=data,
            headers={
                **client.headers(),
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(data)),
                "Upload-Metadata": meta,
                "Content-Type": "application/offset+octet-stream",
            },
        )
    return answer.status_code, dict(answer.headers)


async def _read(service, client: GraphQLClient, file_id: str) -> bytes:
    async with http_client(service.url) as http:
        answer = await http.get(f"{service.url}/netdisk/files/{file_id}", headers=client.headers())
    assert answer.status_code == 200, answer.text
    return answer.content


async def test_folders_names_and_pages(service) -> None:
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    space = await _personal(alice)
    top = await _mkdir(alice, space, "  Projects  ")
    assert top["name"] == "Projects" and top["kind"] == "FOLDER"
    # Names that differ only in Unicode normalisation or case collide.
    composed = await _mkdir(alice, space, unicodedata.normalize("NFC", "Café"), top["id"])
    assert composed["__typename"] == "NetdiskNode"
    for twin in (unicodedata.normalize("NFD", "Café"), "CAFÉ"):
        clash = await _mkdir(alice, space, twin, top["id"])
        assert clash["code"] == "NAME_TAKEN", (twin, clash)
    for bad in ("../x", "a/b", "..", "x" * 256, "tab\there", "\u202eexe.txt", "   "):
        refused = await _mkdir(alice, space, bad, top["id"])
        assert refused["code"] == "BAD_NAME" and refused["field"] == "name", (bad, refused)
    assert (await _mkdir(alice, space, "名" * 255, top["id"]))["__typename"] == "NetdiskNode"

    # Pages: folders first, by name, each once.
    for name in ("b", "a", "d", "c"):
        await _mkdir(alice, space, name, composed["id"])
    status, _ = await _upload(service, alice, b"0", filename="0.txt", folder=composed["id"])
    assert status == 201
    seen, after = [], None
    while True:
        page = (await alice.data(FOLDER, s=space, f=composed["id"], first=2, after=after))[
            "netdiskFolder"
        ]
        seen += [item["name"] for item in page["items"]]
        if not page["hasMore"]:
            break
        after = page["endCursor"]
    assert seen == ["a", "b", "c", "d", "0.txt"]

    # Another member sees nothing of the personal space, not even that it is there.
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    assert (await bob.data(FOLDER, s=space, f=None))["netdiskFolder"]["code"] == "NOT_FOUND"
    assert (await bob.data(MKDIR, s=space, f=None, n="x"))["createNetdiskFolder"][
        "code"
    ] == "NOT_FOUND"
    assert (await bob.data(RENAME, id=top["id"], n="mine"))["renameNetdiskNode"][
        "code"
    ] == "NOT_FOUND"
    assert space not in [s["id"] for s in (await bob.data(SPACES))["netdiskSpaces"]]


async def test_rename_move_copy_trash_restore_purge(service) -> None:
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    space = await _personal(alice)
    docs = await _mkdir(alice, space, "docs-ops")
    inner = await _mkdir(alice, space, "inner", docs["id"])
    status, _ = await _upload(service, alice, b"hello world", filename="a.txt", folder=docs["id"])
    assert status == 201
    [file] = [n for n in await _items(alice, space, docs["id"]) if n["kind"] == "FILE"]
    used = lambda spaces: [s for s in spaces if s["id"] == space][0]["usedBytes"]  # noqa: E731
    before = used((await alice.data(SPACES))["netdiskSpaces"])

    renamed = (await alice.data(RENAME, id=file["id"], n="b.txt"))["renameNetdiskNode"]
    assert renamed["name"] == "b.txt"
    into_itself = await alice.data(MOVE, id=docs["id"], s=space, f=inner["id"])
    assert into_itself["moveNetdiskNode"]["code"] == "BAD_MOVE"
    moved = (await alice.data(MOVE, id=file["id"], s=space, f=inner["id"]))["moveNetdiskNode"]
    assert moved["folderId"] == inner["id"]
    copied = (await alice.data(COPY, id=file["id"], s=space, f=inner["id"]))["copyNetdiskNode"]
    assert copied["name"] == "b (2).txt"
    assert await _read(service, alice, copied["id"]) == b"hello world"
    after_copy = used((await alice.data(SPACES))["netdiskSpaces"])
    assert after_copy == before + len(b"hello world")

    # A folder copy takes what is under it.
    copy_of_docs = (await alice.data(COPY, id=docs["id"], s=space, f=None))["copyNetdiskNode"]
    [inner_copy] = await _items(alice, space, copy_of_docs["id"])
    assert {n["name"] for n in await _items(alice, space, inner_copy["id"])} == {
        "b.txt",
        "b (2).txt",
    }

    trashed = (await alice.data(TRASH, id=inner["id"]))["trashNetdiskNode"]
    assert trashed["__typename"] == "NetdiskNode"
    assert [n["name"] for n in await _items(alice, space, docs["id"])] == []
    assert inner["id"] in [n["id"] for n in (await alice.data(TRASHED, s=space))["netdiskTrash"]]
    async with http_client(service.url) as http:  # a trashed file is not served
        gone = await http.get(f"{service.url}/netdisk/files/{file['id']}", headers=alice.headers())
    assert gone.status_code == 404
    restored = (await alice.data(RESTORE, id=inner["id"]))["restoreNetdiskNode"]
    assert restored["folderId"] == docs["id"]
    assert await _read(service, alice, file["id"]) == b"hello world"
    assert (await alice.data(PURGE, id=inner["id"]))["purgeNetdiskNode"]["code"] == "NOT_TRASHED"
    await alice.data(TRASH, id=inner["id"])
    before_purge = used((await alice.data(SPACES))["netdiskSpaces"])
    assert before_purge == after_copy + 2 * 11  # the folder copy's two files
    assert (await alice.data(PURGE, id=inner["id"]))["purgeNetdiskNode"]["__typename"] == (
        "NetdiskDone"
    )
    assert used((await alice.data(SPACES))["netdiskSpaces"]) == before_purge - 2 * 11
    found = (await alice.data(SEARCH, s=space, t="B (2)"))["netdiskSearch"]
    assert [n["name"] for n in found] == ["b (2).txt"]  # the copy under docs-ops copy


async def test_versions_keep_n(service) -> None:
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    space = await _personal(alice)
    folder = await _mkdir(alice, space, "versions")
    await _upload(service, alice, b"v1", filename="v.txt", folder=folder["id"])
    [file] = await _items(alice, space, folder["id"])
    assert (await alice.data(KEEP, s=space, k=2))["setNetdiskKeepVersions"]["id"] == space
    for body in (b"v2-", b"v3--"):
        status, _ = await _upload(service, alice, body, filename="v.txt", file=file["id"])
        assert status == 201
    versions = (await alice.data(VERSIONS, id=file["id"]))["netdiskVersions"]
    assert [(v["number"], v["size"]) for v in versions] == [(3, 4), (2, 3)]  # 2 kept
    assert await _read(service, alice, file["id"]) == b"v3--"
    back = (await alice.data(OLD_VERSION, id=file["id"], n=2))["restoreNetdiskVersion"]
    assert back["version"] == 4
    assert await _read(service, alice, file["id"]) == b"v2-"
    assert len(await _items(alice, space, folder["id"])) == 1  # versions, not new files
    assert (await alice.data(KEEP, s=space, k=0))["setNetdiskKeepVersions"]["__typename"] == (
        "NetdiskError"
    )
    await alice.data(KEEP, s=space, k=10)


async def _role_listed(client: GraphQLClient, space_id: str) -> str | None:
    """The caller's role on the space as ``netdiskSpaces`` lists it (None: not listed)."""
    listed = (await client.data(SPACES))["netdiskSpaces"]
    return next((s["myRole"] for s in listed if s["id"] == space_id), None)


async def test_roles_on_a_project_space(service) -> None:
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    carol = await login(service.graphql_url, "carol@example.com", PASSWORD)
    space = (await alice.data(PROJECT, n="Launch"))["createNetdiskProjectSpace"]
    assert space["myRole"] == "MANAGER"
    shared = await _mkdir(alice, space["id"], "shared")
    bob_id = str((await Member.get(email="bob@example.com")).id)
    carol_id = str((await Member.get(email="carol@example.com")).id)

    assert (await bob.data(FOLDER, s=space["id"], f=None))["netdiskFolder"]["code"] == "NOT_FOUND"
    grant = (await alice.data(GRANT, s=space["id"], f=None, k="MEMBER", p=bob_id, r="VIEWER"))[
        "grantNetdiskRole"
    ]
    assert grant["role"] == "VIEWER"
    assert [n["name"] for n in await _items(bob, space["id"])] == ["shared"]
    assert await _role_listed(bob, space["id"]) == "VIEWER"
    refused = await _mkdir(bob, space["id"], "mine", shared["id"])
    assert refused["code"] == "FORBIDDEN"
    status, headers = await _upload(service, bob, b"x", filename="x", space=space["id"])
    assert status == 403 and headers["qiyou-error"] == "FORBIDDEN"
    # Bob cannot grant himself more, nor revoke.
    escalate = await bob.data(GRANT, s=space["id"], f=None, k="MEMBER", p=bob_id, r="MANAGER")
    assert escalate["grantNetdiskRole"]["code"] == "FORBIDDEN"

    # Uploader on the folder only: may add there, not rename, not elsewhere.
    await alice.data(GRANT, s=space["id"], f=shared["id"], k="MEMBER", p=bob_id, r="UPLOADER")
    made = await _mkdir(bob, space["id"], "bob's", shared["id"])
    assert made["__typename"] == "NetdiskNode"
    assert (await _mkdir(bob, space["id"], "root-level"))["code"] == "FORBIDDEN"
    assert (await bob.data(RENAME, id=made["id"], n="x"))["renameNetdiskNode"]["code"] == (
        "FORBIDDEN"
    )
    status, _ = await _upload(service, bob, b"data", filename="d.bin", folder=shared["id"])
    assert status == 201

    # A group grant reaches carol; revoking it takes it away.
    group = await service.mailcore(
        """
        alice = await Member.get(email="alice@example.com")
        group = await MailGroup.create(enterprise_id=alice.enterprise_id, name="nd team",
                                       email=f"nd-team-{alice.id}@example.com")
        carol = await Member.get(email="carol@example.com")
        await GroupEntry.create(group=group, member=carol)
        return group.id
        """
    )
    editor = (await alice.data(GRANT, s=space["id"], f=None, k="GROUP", p=str(group), r="EDITOR"))[
        "grantNetdiskRole"
    ]
    renamed = (await carol.data(RENAME, id=made["id"], n="renamed by carol"))["renameNetdiskNode"]
    assert renamed["name"] == "renamed by carol"
    assert await _role_listed(carol, space["id"]) == "EDITOR"
    await alice.data(REVOKE, id=editor["id"])
    assert await _role_listed(carol, space["id"]) is None
    # a grant on a folder inside only lists the space to view
    inside = await alice.data(
        GRANT, s=space["id"], f=shared["id"], k="MEMBER", p=carol_id, r="EDITOR"
    )
    assert await _role_listed(carol, space["id"]) == "VIEWER"
    await alice.data(REVOKE, id=inside["grantNetdiskRole"]["id"])
    assert (await carol.data(FOLDER, s=space["id"], f=None))["netdiskFolder"]["code"] == (
        "NOT_FOUND"
    )
    nobody = await alice.data(GRANT, s=space["id"], f=None, k="MEMBER", p="999999", r="VIEWER")
    assert nobody["grantNetdiskRole"]["code"] == "BAD_ROLE"
    olga = await service.mailcore("return (await Member.get(email='olga@other.org')).id")
    elsewhere = await alice.data(GRANT, s=space["id"], f=None, k="MEMBER", p=str(olga), r="VIEWER")
    assert elsewhere["grantNetdiskRole"]["code"] == "BAD_ROLE"


async def test_upload_sessions_cancel_and_cleanup(service, tmp_path) -> None:
    bob = await login(service.graphql_url, "bob@example.com", PASSWORD)
    async with http_client(service.url) as http:
        created = await http.post(
            f"{service.url}/uploads/",
            headers={
                **bob.headers(),
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "100",
                "Upload-Metadata": f"filename {base64.b64encode(b'half.bin').decode()}",
            },
        )
        url = created.headers["location"]
        patched = await http.patch(
            url,
            content=b"h" * 40,
            headers={
                **bob.headers(),
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert patched.headers["upload-offset"] == "40"
    upload_id = url.rsplit("/", 1)[1]
    mine = (await bob.data(UPLOADS))["netdiskUploads"]
    assert [(u["id"], u["offset"], u["length"]) for u in mine][0] == (upload_id, 40, 100)
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    assert (await alice.data(CANCEL, id=upload_id))["cancelNetdiskUpload"]["code"] == "NOT_FOUND"

    # Abandoned for longer than its expiry: the cleanup takes the session and its parts,
    # whose blobs then count as unreferenced for the garbage collector.
    keys = list(await NetdiskPart.filter(upload_id=upload_id).values_list("sha256", flat=True))
    assert keys and await referenced(keys) == set(keys)
    await NetdiskUpload.filter(id=upload_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await clean_expired() >= 1
    assert not await NetdiskUpload.filter(id=upload_id).exists()
    assert await referenced(keys) == set()  # another row may share it only by content

    # Cancel: gone at once.
    async with http_client(service.url) as http:
        other = await http.post(
            f"{service.url}/uploads/",
            headers={
                **bob.headers(),
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "10",
                "Upload-Metadata": f"filename {base64.b64encode(b'c.bin').decode()}",
            },
        )
    other_id = other.headers["location"].rsplit("/", 1)[1]
    assert (await bob.data(CANCEL, id=other_id))["cancelNetdiskUpload"]["__typename"] == (
        "NetdiskDone"
    )
    assert other_id not in [u["id"] for u in (await bob.data(UPLOADS))["netdiskUploads"]]

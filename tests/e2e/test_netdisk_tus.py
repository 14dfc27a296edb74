"""tus uploads at /uploads/ against a real ``qiyou serve``, driven by the tuspy client and by
plain HTTP for what a well-behaved client never sends (docs/netdisk.md): upload and ranged
download, HTTP Basic with an app password, resume after the server was killed mid-upload,
offset and checksum mismatches, overlong bodies, quotas, bad names, permissions."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
import time

import httpx
import pytest
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from tests.e2e.client import Subscription, login
from tests.e2e.server import PASSWORD, Server

MB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


def _meta(**values: str) -> str:
    return ",".join(  # a key without a value when it is empty, as tus allows
        f"{k} {base64.b64encode(v.encode()).decode()}" if v else k for k, v in values.items()
    )


async def _token(server: Server, who: str) -> str:
    return (await login(server.graphql_url, f"{who}@example.com", PASSWORD)).token or ""


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _result(server: Server, upload_url: str) -> int:
    upload_id = upload_url.rsplit("/", 1)[-1]
    found = server.sql(f"SELECT result_id FROM netdisk_upload WHERE id = '{upload_id}'")
    assert found, f"upload {upload_id} did not become a file"
    return int(found)


def _download(server: Server, token: str, file_id: int, **headers: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}/netdisk/files/{file_id}", headers={**_bearer(token), **headers}, timeout=60
    )


def _create(server: Server, token: str, length: int, **metadata: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/uploads/",
        headers={
            **TUS,
            **_bearer(token),
            "Upload-Length": str(length),
            "Upload-Metadata": _meta(**metadata),
        },
    )


def _patch(url: str, token: str, offset: int, body: bytes, **headers: str) -> httpx.Response:
    return httpx.patch(
        url,
        content=body,
        headers={
            **TUS,
            **_bearer(token),
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **headers,
        },
    )


async def test_options_advertise_the_extensions(server: Server) -> None:
    answer = httpx.options(f"{server.url}/uploads/")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    extensions = set(answer.headers["Tus-Extension"].split(","))
    assert {"creation", "creation-with-upload", "termination", "expiration", "checksum"} <= (
        extensions
    )
    assert int(answer.headers["Tus-Max-Size"]) == 2 * 1024 * MB
    assert "sha1" in answer.headers["Tus-Checksum-Algorithm"].split(",")


async def test_tuspy_uploads_and_the_file_downloads_with_ranges(server: Server) -> None:
    token = await _token(server, "alice")
    data = os.urandom(3 * MB + 12345)
    uploader = tus.TusClient(f"{server.url}/uploads/", headers=_bearer(token)).uploader(
        file_stream=_Stream(data),
        chunk_size=MB,
        metadata={"filename": "报告 final.bin", "filetype": "application/x-test"},
        upload_checksum=True,  # sha1 of every chunk
    )
    uploader.upload()
    file_id = _result(server, uploader.url)

    whole = _download(server, token, file_id)
    assert whole.status_code == 200
    assert hashlib.sha256(whole.content).digest() == hashlib.sha256(data).digest()
    assert "%E6%8A%A5%E5%91%8A" in whole.headers["content-disposition"]  # 报告
    etag = whole.headers["etag"]

    # A range across the boundary of two stored parts, then If-Range with a stale ETag.
    part = _download(server, token, file_id, Range=f"bytes={MB - 10}-{MB + 9}")
    assert part.status_code == 206
    assert part.content == data[MB - 10 : MB + 10]
    assert part.headers["content-range"] == f"bytes {MB - 10}-{MB + 9}/{len(data)}"
    tail = _download(server, token, file_id, Range="bytes=-100", **{"If-Range": etag})
    assert tail.status_code == 206 and tail.content == data[-100:]
    stale = _download(server, token, file_id, Range="bytes=0-9", **{"If-Range": '"old"'})
    assert stale.status_code == 200 and len(stale.content) == len(data)
    beyond = _download(server, token, file_id, Range=f"bytes={len(data)}-")
    assert beyond.status_code == 416

    # Another member cannot read it; nobody without credentials can.
    bob = await _token(server, "bob")
    assert _download(server, bob, file_id).status_code == 404
    assert httpx.get(f"{server.url}/netdisk/files/{file_id}").status_code == 401


async def test_creation_with_upload_and_http_basic(server: Server) -> None:
    credentials = base64.b64encode(f"bob@example.com:{PASSWORD}".encode()).decode()
    basic = {"Authorization": f"Basic {credentials}"}
    body = b"hello netdisk\n"
    created = httpx.post(
        f"{server.url}/uploads/",
        content=body,
        headers={
            **TUS,
            **basic,
            "Upload-Length": str(len(body)),
            "Upload-Metadata": _meta(filename="hello.txt"),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(len(body))
    assert "Upload-Expires" in created.headers
    head = httpx.head(created.headers["Location"], headers={**TUS, **basic})
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(body))
    file_id = _result(server, created.headers["Location"])
    got = httpx.get(f"{server.url}/netdisk/files/{file_id}", headers=basic)
    assert got.content == body
    wrong = base64.b64encode(b"bob@example.com:wrong-password").decode()
    refused = httpx.options(f"{server.url}/uploads/")  # OPTIONS needs no sign-in
    assert refused.status_code == 204
    denied = _create_with(server, {"Authorization": f"Basic {wrong}"}, 5, filename="x")
    assert denied.status_code == 401


APP_PASSWORD = """
mutation C($name: String!) {
  createAppPassword(name: $name) { __typename ... on AppPasswordCreated { secret } }
}"""


async def test_tuspy_with_an_app_password(server: Server) -> None:
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    secret = (await bob.data(APP_PASSWORD, name="sync tool"))["createAppPassword"]["secret"]
    basic = base64.b64encode(f"bob@example.com:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    data = os.urandom(100_000)
    uploader = tus.TusClient(f"{server.url}/uploads/", headers=headers).uploader(
        file_stream=_Stream(data), chunk_size=30_000, metadata={"filename": "app.bin"}
    )
    uploader.upload()
    file_id = _result(server, uploader.url)
    got = httpx.get(f"{server.url}/netdisk/files/{file_id}", headers=headers)
    assert got.status_code == 200 and got.content == data


def _create_with(server: Server, auth: dict[str, str], length: int, **meta: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/uploads/",
        headers={**TUS, **auth, "Upload-Length": str(length), "Upload-Metadata": _meta(**meta)},
    )


async def test_bad_offsets_checksums_and_lengths_are_refused(server: Server) -> None:
    token = await _token(server, "alice")
    created = _create(server, token, 10, filename="ten.bin")
    assert created.status_code == 201
    url = created.headers["Location"]

    assert _patch(url, token, 3, b"abc").status_code == 409  # the upload is at 0
    sha1 = base64.b64encode(hashlib.sha1(b"wrong").digest()).decode()
    mismatch = _patch(url, token, 0, b"abcd", **{"Upload-Checksum": f"sha1 {sha1}"})
    assert mismatch.status_code == 460
    assert httpx.head(url, headers={**TUS, **_bearer(token)}).headers["Upload-Offset"] == "0"
    good = base64.b64encode(hashlib.sha1(b"abcd").digest()).decode()
    ok = _patch(url, token, 0, b"abcd", **{"Upload-Checksum": f"sha1 {good}"})
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "4"
    assert _patch(url, token, 4, b"x" * 7).status_code == 413  # one byte past Upload-Length
    assert httpx.head(url, headers={**TUS, **_bearer(token)}).headers["Upload-Offset"] == "4"
    unknown = _patch(url, token, 4, b"ef", **{"Upload-Checksum": "crc99 AAAA"})
    assert unknown.status_code == 400
    assert _patch(url, token, 4, b"efghij").status_code == 204  # exactly the rest
    done = _result(server, url)
    assert _download(server, token, done).content == b"abcdefghij"
    assert _patch(url, token, 10, b"k").status_code == 409  # finished: nothing more
    # Without Tus-Resumable: 412; a PATCH of another type: 415.
    assert httpx.head(url, headers=_bearer(token)).status_code == 412
    other = _create(server, token, 5, filename="five.bin").headers["Location"]
    assert _patch(other, token, 0, b"abc", **{"Content-Type": "text/plain"}).status_code == 415
    # Termination: gone, then 404.
    assert httpx.delete(other, headers={**TUS, **_bearer(token)}).status_code == 204
    assert httpx.head(other, headers={**TUS, **_bearer(token)}).status_code == 404
    # Another member's upload is not theirs to see.
    bob = await _token(server, "bob")
    assert httpx.head(url, headers={**TUS, **_bearer(bob)}).status_code == 404
    assert _create(server, token, 3 * 1024 * 1024 * MB, filename="huge").status_code == 413


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "a/b", "nul\x00byte", "x" * 10_000, "..", "line\nbreak", ""]
)
async def test_bad_names_are_refused_at_creation(server: Server, name: str) -> None:
    token = await _token(server, "alice")
    answer = _create(server, token, 4, filename=name)
    assert answer.status_code == 400, (name, answer.status_code, answer.text)
    assert answer.headers["Qiyou-Error"] == "BAD_NAME"


async def test_quota_is_checked_at_creation_and_during_the_upload(server: Server) -> None:
    token = await _token(server, "carol")
    server.mailcore(
        """
        from mailcore.netdisk.spaces import personal_space, set_quota
        member = await Member.get(email="carol@example.com")
        await set_quota(await personal_space(member, 0), 1000)
        return True
        """
    )
    refused = _create(server, token, 1001, filename="big.bin")
    assert refused.status_code == 413 and refused.headers["Qiyou-Error"] == "OVER_QUOTA"
    first = _create(server, token, 600, filename="a.bin")
    assert first.status_code == 201
    # 600 are promised to the first upload: a second one of 600 does not fit any more.
    assert _create(server, token, 600, filename="b.bin").status_code == 413
    assert _patch(first.headers["Location"], token, 0, b"a" * 600).status_code == 204
    used = server.sql(
        "SELECT s.used_bytes FROM netdisk_space s JOIN member m ON m.id = s.owner_id"
        " WHERE m.email = 'carol@example.com'"
    )
    assert used == "600"
    second = _create(server, token, 400, filename="c.bin")
    assert second.status_code == 201
    # Meanwhile the administrator lowers the quota: the next part is refused.
    server.mailcore(
        """
        from mailcore.netdisk.spaces import personal_space, set_quota
        member = await Member.get(email="carol@example.com")
        await set_quota(await personal_space(member, 0), 700)
        return True
        """
    )
    during = _patch(second.headers["Location"], token, 0, b"c" * 400)
    assert during.status_code == 413 and during.headers["Qiyou-Error"] == "OVER_QUOTA"
    head = httpx.head(second.headers["Location"], headers={**TUS, **_bearer(token)})
    assert head.headers["Upload-Offset"] == "0"


async def test_a_viewer_cannot_upload(server: Server) -> None:
    space_id = server.mailcore(
        """
        from mailcore.netdisk.spaces import create_space
        from mailcore.core.models.netdisk import SpaceKind
        alice = await Member.get(email="alice@example.com")
        bob = await Member.get(email="bob@example.com")
        space = await create_space(alice, SpaceKind.PROJECT, "Viewer test")
        await NetdiskGrant.create(space=space, principal_kind="member", principal_id=bob.id,
                                  role="viewer")
        return space.id
        """
    )
    bob = await _token(server, "bob")
    refused = _create(server, bob, 4, filename="x.txt", space=str(space_id))
    assert refused.status_code == 403 and refused.headers["Qiyou-Error"] == "FORBIDDEN"
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    elsewhere = _create(server, olga.token or "", 4, filename="x.txt", space=str(space_id))
    assert elsewhere.status_code == 404  # another company's space is not even there
    alice = await _token(server, "alice")
    assert _create(server, alice, 4, filename="x.txt", space=str(space_id)).status_code == 201


PROJECT = """
mutation P($n: String!) { createNetdiskProjectSpace(name: $n) { ... on NetdiskSpace { id } } }"""
GRANT = """
mutation G($s: ID!, $p: ID!) {
  grantNetdiskRole(spaceId: $s, principalKind: MEMBER, principalId: $p, role: UPLOADER) {
    __typename
  }
}"""
SETTLE = 0.5  # the server subscribes to the bus right after `subscribe`; give it a moment


async def test_an_upload_by_another_member_is_pushed_to_the_open_folder(server: Server) -> None:
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    space = (await alice.data(PROJECT, n=f"live {time.time()}"))["createNetdiskProjectSpace"]["id"]
    bob_id = server.sql("SELECT id FROM member WHERE email = 'bob@example.com'")
    assert (await alice.data(GRANT, s=space, p=bob_id))["grantNetdiskRole"]["__typename"] == (
        "NetdiskGrant"
    )
    query = (
        f'subscription {{ netdiskFolderChanged(spaceId: "{space}") '
        "{ spaceId folderId nodeId action } }"
    )
    async with Subscription(server.ws_url, alice.token, query) as sub:
        await asyncio.sleep(SETTLE)
        bob = await _token(server, "bob")
        uploader = tus.TusClient(f"{server.url}/uploads/", headers=_bearer(bob)).uploader(
            file_stream=_Stream(b"live bytes"), metadata={"filename": "live.txt", "space": space}
        )
        uploader.upload()
        event = (await sub.next())["netdiskFolderChanged"]
    assert event["action"] == "uploaded" and event["spaceId"] == space
    assert event["nodeId"] == str(_result(server, uploader.url))
    # Carol has no role there: she cannot listen to it.
    carol = await login(server.graphql_url, "carol@example.com", PASSWORD)
    with pytest.raises(AssertionError):
        async with Subscription(server.ws_url, carol.token, query) as refused:
            await refused.next()


class _Stream:
    """A file-like view of bytes for tuspy (it seeks and reads)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: len(self.data) + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.position + size
        chunk = self.data[self.position : end]
        self.position += len(chunk)
        return chunk


def _offset(server: Server, upload_id: str) -> int:
    value = server.sql(f"SELECT \"offset\" FROM netdisk_upload WHERE id = '{upload_id}'")
    return int(value or 0)


async def test_resume_after_the_server_is_killed_mid_upload(own_server: Server) -> None:
    """200 MB: tuspy sends 64 MB bodies; during the third, once the server recorded parts of
    it, the server is killed with SIGKILL. After a restart HEAD answers the last recorded
    offset, tuspy resumes from there, and the download is the same file."""
    server = own_server
    size = 200 * MB
    data = os.urandom(size)
    token = await _token(server, "alice")
    uploader = tus.TusClient(f"{server.url}/uploads/", headers=_bearer(token)).uploader(
        file_stream=_Stream(data), chunk_size=64 * MB, metadata={"filename": "big.bin"}
    )
    uploader.upload_chunk()
    uploader.upload_chunk()
    assert uploader.offset == 128 * MB
    upload_id = uploader.url.rsplit("/", 1)[1]
    failures: list[BaseException] = []

    def third() -> None:
        try:
            uploader.upload_chunk()
        except (TusCommunicationError, TusUploadFailed) as exc:
            failures.append(exc)

    sender = threading.Thread(target=third)
    sender.start()
    deadline = time.monotonic() + 60
    while _offset(server, upload_id) <= 128 * MB:
        assert time.monotonic() < deadline, "no part of the third body was recorded"
        time.sleep(0.01)
    assert server.process is not None
    server.process.kill()  # SIGKILL: no shutdown, no flush
    server.process.wait()
    sender.join(60)
    assert failures, "the third body should have been cut off"
    recorded = _offset(server, upload_id)
    assert 128 * MB < recorded < 192 * MB

    server.start()
    token = await _token(server, "alice")
    resumed = tus.TusClient(f"{server.url}/uploads/", headers=_bearer(token)).uploader(
        file_stream=_Stream(data), chunk_size=64 * MB, url=f"{server.url}/uploads/{upload_id}"
    )
    assert resumed.offset == recorded  # HEAD: the last acknowledged offset
    resumed.upload()
    file_id = _result(server, upload_id)
    digest = hashlib.sha256()
    with httpx.stream(
        "GET", f"{server.url}/netdisk/files/{file_id}", headers=_bearer(token), timeout=120
    ) as answer:
        assert answer.status_code == 200
        for chunk in answer.iter_bytes():
            digest.update(chunk)
    assert digest.digest() == hashlib.sha256(data).digest()

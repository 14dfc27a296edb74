"""`qiyou serve` with its blobs on S3 (a real SeaweedFS, tests/seaweed.py) over SQLite: mail
delivered over SMTP is read back over GraphQL (text, attachment) and HTTP (raw, streamed);
a blob missing from the bucket is a clear error (GraphQL) or a JSON 503, never a path."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import httpx
import pytest

from mailcore.core.blobs import blob_key
from tests.conftest import private_server
from tests.e2e.client import login
from tests.e2e.mail import find, mx, unique
from tests.e2e.server import PASSWORD
from tests.seaweed import seaweed  # noqa: F401 - the session's SeaweedFS fixture

pytestmark = pytest.mark.xdist_group("postgres")

MESSAGE = """
query Message($id: ID!) {
  message(id: $id) { id text attachments { filename size url } }
}
"""


async def test_mail_on_s3_is_read_over_graphql_and_http(seaweed, tmp_path):  # noqa: F811
    bucket, prefix = seaweed.new_bucket(), "mail"
    env = {"QIYOU_BLOB_URL": seaweed.blob_url(bucket, prefix)}
    with private_server("sqlite", tmp_path / "qiyou", env=env) as server:
        subject = unique("s3 mail")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "x@outside.test", "bob@example.com", subject
        mail["Message-ID"] = f"<{uuid.uuid4().hex}@outside.test>"
        mail.set_content("stored in the bucket 桶")
        payload = bytes(range(256)) * 400
        mail.add_attachment(
            payload, maintype="application", subtype="octet-stream", filename="data.bin"
        )
        with mx(server.smtp_port) as smtp:
            smtp.sendmail("x@outside.test", ["bob@example.com"], mail.as_bytes())

        bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
        node = await find(bob, subject)
        assert node is not None
        message = (await bob.data(MESSAGE, id=node["id"]))["message"]
        assert "stored in the bucket 桶" in message["text"]
        [attachment] = message["attachments"]
        async with httpx.AsyncClient(base_url=server.url) as http:
            download = await http.get(attachment["url"], headers=bob.headers())
            assert download.status_code == 200 and download.content == payload
            raw = await http.get(f"/messages/{node['id']}/raw", headers=bob.headers())
            assert raw.status_code == 200
            assert subject.encode() in raw.content and mail.as_bytes()[-200:] in raw.content
            assert int(raw.headers["content-length"]) == len(raw.content)

        client = seaweed.client()
        names = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
        key = blob_key(raw.content)
        assert f"{prefix}/{key}" in names, "the raw mail is an object named by its SHA-256"
        assert not (tmp_path / "qiyou" / "blobs").exists() or not any(
            (tmp_path / "qiyou" / "blobs").rglob(key)
        ), "nothing of it in the data dir"

        client.delete_object(Bucket=bucket, Key=f"{prefix}/{key}")  # lost from the bucket
        body = await bob.execute(MESSAGE, id=node["id"])
        [error] = body["errors"]
        assert key in error["message"] and "not found" in error["message"]
        assert "/" not in error["message"], "no server path in the message"
        async with httpx.AsyncClient(base_url=server.url) as http:
            raw = await http.get(f"/messages/{node['id']}/raw", headers=bob.headers())
            assert raw.status_code == 503 and "unavailable" in raw.json()["error"]
            download = await http.get(attachment["url"], headers=bob.headers())
            assert download.status_code == 503

        gc = server.cli("blobs", "gc", "--dry-run")
        assert gc.stdout.startswith("blob gc: ") and "dry run" in gc.stdout

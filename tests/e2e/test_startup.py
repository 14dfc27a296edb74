"""``qiyou serve`` starting up: its version, the banner (backends with secrets masked), a
port in use told in one line before "Qiyou ready", two processes migrating one empty
PostgreSQL database at once, and ``SIGHUP`` reloading the TLS certificate."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from importlib.metadata import version

import httpx
import pytest
from cryptography import x509

from mailcore.core.net.tls import ensure_self_signed
from tests.conftest import PG_URL, _pg_url, _psql, need_services, provisioned_copy
from tests.e2e.server import QIYOU, ROOT, Server

OURS = ("QIYOU_", "DATABASE_URL", "BROADCAST_URL", "SEARCH_URL")


def clean_env(**env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return {**base, **env}


@contextlib.contextmanager
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_version():
    for args in (["--version"], ["version"]):
        result = subprocess.run(
            [*QIYOU, *args], env=clean_env(), cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"qiyou {version('qiyou')}\n"


def test_busy_http_port_after_the_banner_with_secrets_masked(tmp_path):
    """The banner is the first thing logged, the HTTP port is bound before the database is
    opened: a server whose database does not even exist stops at its busy port."""
    env = {
        "QIYOU_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://qiyou:hunter2@127.0.0.1:9/qiyou",
        "BROADCAST_URL": "redis://:hunter2@127.0.0.1:6379/0",
        "QIYOU_BLOB_URL": "s3://AKIAHUNTER2:hunter2@mail?endpoint=http://127.0.0.1:8333",
        "SEARCH_URL": "meili+http://127.0.0.1:7700?key=hunter2",
    }
    with taken_port() as port:
        result = subprocess.run(
            [*QIYOU, "serve", "--roles", "http,worker", "--http-port", str(port)],
            env=clean_env(**env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2, result.stderr
    output = result.stdout + result.stderr
    assert "hunter2" not in output and "Traceback" not in output
    assert "Qiyou ready" not in output
    assert result.stderr.splitlines()[-1] == f"qiyou: QIYOU_HTTP_PORT {port} on 127.0.0.1 is in use"
    banner = f"Qiyou {version('qiyou')}: roles http,worker; database"
    [line] = [line for line in result.stderr.splitlines() if banner in line]
    assert line.endswith(
        f"{banner} postgres://qiyou:***@127.0.0.1:9/qiyou; bus redis://:***@127.0.0.1:6379/0;"
        " blobs s3://***:***@mail?endpoint=http://127.0.0.1:8333;"
        " search meili+http://127.0.0.1:7700?key=***"
    )


@pytest.mark.parametrize(
    ("roles", "variable"),
    [("imap,pop3", "QIYOU_POP3S_PORT"), ("http,submission", "QIYOU_SUBMISSION_PORT")],
)
def test_busy_mail_port(tmp_path, roles, variable):
    """A mail listener's port in use ends start-up in one line, with HTTP (uvicorn's
    lifespan) or without; nothing is ready, nothing left running."""
    server = Server(data_dir=tmp_path, env={"QIYOU_SEARCH_PAUSED": "1"})
    provisioned_copy("sqlite", tmp_path)
    with taken_port() as port:
        env = {**server.full_env(), variable: str(port)}
        result = subprocess.run(
            [*QIYOU, "serve", "--roles", roles, "--no-migrate"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Qiyou ready" not in output
    assert result.stderr.splitlines()[-1] == f"qiyou: {variable} {port} on 127.0.0.1 is in use"


@pytest.mark.parametrize(
    "args", [["serve", "--roles", "http"], ["serve", "--roles", "mx,worker"], ["migrate"]]
)
def test_a_database_that_cannot_be_reached_is_one_line(tmp_path, args):
    """No traceback when PostgreSQL is down or the database missing: one line naming the
    database (password masked) and why, exit code 1."""
    with taken_port() as http_port, socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = closed.getsockname()[1]
        env = clean_env(
            QIYOU_DATA_DIR=str(tmp_path),
            QIYOU_HTTP_PORT=str(free_port(http_port)),
            DATABASE_URL=f"postgres://qiyou:hunter2@127.0.0.1:{port}/qiyou",
        )
        result = subprocess.run(
            [*QIYOU, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
    line = result.stderr.splitlines()[-1]
    assert line.startswith(f"qiyou: cannot use the database postgres://qiyou:***@127.0.0.1:{port}")
    assert "refused" in line.lower()


def test_a_blob_store_that_cannot_be_used_is_one_line(tmp_path):
    """QIYOU_BLOB_URL: a parameter the S3 store does not know is a bad setting (exit 2,
    before anything starts); an endpoint that does not answer is one line, exit code 1."""
    env = clean_env(QIYOU_DATA_DIR=str(tmp_path), QIYOU_SEARCH_PAUSED="1")
    provisioned_copy("sqlite", tmp_path)
    bad = {**env, "QIYOU_BLOB_URL": "s3://mail?endpoint=http://127.0.0.1:9&colour=blue"}
    result = subprocess.run(
        [*QIYOU, "serve", "--roles", "worker"], env=bad, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "qiyou: QIYOU_BLOB_URL='s3://mail?endpoint=http://127.0.0.1:9&colour=blue': expected"
        " a usable s3:// URL (S3 blob URL: unknown parameter(s) colour)"
    ]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening
        down = {
            **env,
            "QIYOU_BLOB_URL": f"s3://mail?endpoint=http://127.0.0.1:{closed.getsockname()[1]}",
            "AWS_ACCESS_KEY_ID": "qiyou",
            "AWS_SECRET_ACCESS_KEY": "hunter2",
        }
        result = subprocess.run(
            [*QIYOU, "serve", "--roles", "worker"],
            env=down,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    line = result.stderr.splitlines()[-1]
    assert line.startswith("qiyou: cannot use the blob store s3://mail?endpoint=")
    assert "Could not connect" in line


def free_port(taken: int) -> int:
    """A port nobody listens on (not ``taken``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        found = probe.getsockname()[1]
    return found if found != taken else free_port(taken)


def test_two_processes_migrate_one_empty_postgres_database_at_once(tmp_path):
    need_services(PG_URL)
    name = f"qiyou_race_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    try:
        env = clean_env(DATABASE_URL=_pg_url(name))
        both = [
            subprocess.Popen(
                [*QIYOU, "--data-dir", str(tmp_path / str(i)), "migrate"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        results = [(p.wait(timeout=300), *p.communicate()) for p in both]
        for code, out, err in results:
            assert code == 0, err
            assert out.strip().splitlines()[-1] == "migrations applied"
            assert "Traceback" not in err
        check = subprocess.run(
            [
                "psql",
                _pg_url(name).replace("postgres://", "postgresql://", 1),
                "-tAc",
                "SELECT count(*) FROM tortoise_migrations",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            check=True,
        )
        applied = int(check.stdout.strip())
        migrations = len(list((ROOT / "mailcore/core/migrations").glob("0*.py")))
        assert applied == migrations  # each once
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def peer_name(port: int) -> str:
    """The common name of the certificate a new TLS connection to ``port`` is shown."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def starttls_name(port: int) -> str:
    """The same over IMAP STARTTLS."""
    import imaplib

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        client.starttls(context)
        der = client.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
    finally:
        client.shutdown()
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if check():
                return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_sighup_reloads_the_certificate_for_new_connections(tmp_path):
    a_cert, a_key = ensure_self_signed(tmp_path / "a", "a.test")
    b_cert, b_key = ensure_self_signed(tmp_path / "b", "b.test")
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(a_cert, live / "cert.pem")
    shutil.copy(a_key, live / "key.pem")
    data_dir = tmp_path / "data"
    server = Server(
        data_dir=data_dir,
        env={
            "QIYOU_TLS_CERT": str(live / "cert.pem"),
            "QIYOU_TLS_KEY": str(live / "key.pem"),
            "QIYOU_SEARCH_PAUSED": "1",
        },
    )
    provisioned_copy("sqlite", data_dir)
    log = data_dir / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*QIYOU, "serve", "--roles", "imap,pop3,submission", "--no-migrate"],
            env=server.full_env(),
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    tls_ports = [server.imaps_port, server.pop3s_port, server.submissions_port]
    try:
        wait_for(lambda: b"Qiyou ready" in log.read_bytes(), "the server")
        assert [peer_name(p) for p in tls_ports] == ["CN=a.test"] * 3
        assert starttls_name(server.imap_port) == "CN=a.test"
        open_before = _tls_socket(server.imaps_port)

        shutil.copy(b_cert, live / "cert.pem")
        shutil.copy(b_key, live / "key.pem")
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: b"TLS certificate reloaded" in log.read_bytes(), "the reload")
        assert [peer_name(p) for p in tls_ports] == ["CN=b.test"] * 3
        assert starttls_name(server.imap_port) == "CN=b.test"
        open_before.sendall(b"a1 NOOP\r\n")  # the open connection goes on
        assert b"a1 OK" in _read_until(open_before, b"a1 ")

        (live / "cert.pem").write_text("not a certificate")
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: b"not reloaded, the old one is kept" in log.read_bytes(), "the refusal")
        assert process.poll() is None
        assert [peer_name(p) for p in tls_ports] == ["CN=b.test"] * 3
        open_before.close()
    finally:
        process.terminate()
        process.wait(timeout=60)


def _tls_socket(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    tls = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    _read_until(tls, b"* OK")
    return tls


def _read_until(sock: ssl.SSLSocket, marker: bytes) -> bytes:
    data = b""
    while marker not in data or not data.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_sighup_leaves_a_process_without_tls_listeners_running(tmp_path):
    server = Server(data_dir=tmp_path, env={"QIYOU_SEARCH_PAUSED": "1"})
    provisioned_copy("sqlite", tmp_path)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*QIYOU, "serve", "--roles", "http", "--no-migrate"],
            env=server.full_env(),
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        wait_for(lambda: b"Qiyou ready" in log.read_bytes(), "the server")
        process.send_signal(signal.SIGHUP)
        health = f"{server.url}/health"
        wait_for(lambda: httpx.get(health, timeout=5).status_code == 200, "an answer")
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=60)

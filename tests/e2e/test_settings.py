"""Settings are checked before anything starts: ``qiyou serve`` with a bad variable or flag
prints one line naming it, the value and what it takes, and exits with code 2, before the
database is touched (so each case takes the time of the imports)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mailcore.core.config import MB, SettingError, Settings
from mailcore.core.net.tls import ensure_self_signed
from tests.e2e.server import QIYOU, ROOT

# Variables of the environment the tests run in that would change what ``qiyou`` reads.
OURS = ("QIYOU_", "DATABASE_URL", "BROADCAST_URL", "SEARCH_URL")


def qiyou(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return subprocess.run(
        [*QIYOU, *args],
        env={**clean, "QIYOU_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refused(result: subprocess.CompletedProcess) -> str:
    """The one line a refused start printed (and that it did nothing else)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


PORT = "expected a port number 0-65535"
DATABASES = "expected a URL starting sqlite://, postgres:// or postgresql://"

BAD_VARIABLES = [
    ("QIYOU_HTTP_PORT", "abc", PORT),
    ("QIYOU_IMAPS_PORT", "70000", PORT),
    ("QIYOU_PUBLIC_IMAP_PORT", "-1", PORT),
    ("DATABASE_URL", "garbage", DATABASES),
    ("DATABASE_URL", "mysql://db/qiyou", DATABASES),
    ("DATABASE_URL", "sqlite://", f"{DATABASES} (with a path)"),
    (
        "BROADCAST_URL",
        "kafka://k:9092",
        "expected a URL starting memory://, redis://, rediss://, postgres:// or postgresql://",
    ),
    (
        "BROADCAST_URL",
        "redis://",
        "expected a URL starting memory://, redis://, rediss://,"
        " postgres:// or postgresql:// (with a host)",
    ),
    (
        "SEARCH_URL",
        "elastic://es:9200",
        "expected a URL starting tantivy://, meili+http:// or meili+https://",
    ),
    ("QIYOU_BLOB_URL", "gs://bucket", "expected a URL starting file:// or s3://"),
    ("QIYOU_BLOB_URL", "/srv/blobs", "expected a URL starting file:// or s3://"),
    (
        "QIYOU_RELAY_URL",
        "smtp://relay:port",
        "expected a URL starting smtp://, smtp+starttls:// or smtps:// (with a numeric port)",
    ),
    (
        "QIYOU_SPAM_URL",
        "clamav",
        "expected builtin, off or a URL starting rspamd+http://, rspamd+https:// or spamd://",
    ),
    ("QIYOU_PUBLIC_URL", "mail.example.com", "expected a URL starting http:// or https://"),
    ("QIYOU_MAX_MESSAGE_SIZE", "50Q", "expected a size such as 50M, 2G or 1048576 (bytes)"),
    ("QIYOU_SEARCH_PAUSED", "maybe", "expected 1, true, yes, on, or 0, false, no, off"),
    ("QIYOU_ALLOW_PLAINTEXT_AUTH", "sometimes", "expected one of off, loopback, on"),
    ("QIYOU_ENV", "prod", "expected one of development, production"),
    ("QIYOU_OUTBOUND_BACKOFF", "60,x", "expected comma-separated numbers ≥ 0, such as 60,300,900"),
    ("QIYOU_WEBHOOK_BACKOFF", "10,-5", "expected comma-separated numbers ≥ 0, such as 60,300,900"),
    ("QIYOU_OUTBOX_LEASE", "-1", "expected a number ≥ 0"),
    ("QIYOU_SMTP_DATA_TIMEOUT", "nan", "expected a number ≥ 0"),
    ("QIYOU_OUTBOUND_WORKERS", "0", "expected a whole number ≥ 1"),
    ("QIYOU_SMTP_MAX_CONNECTIONS", "1e3", "expected a whole number ≥ 0"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VARIABLES)
def test_a_bad_variable_is_one_line_and_exit_code_2(tmp_path, name, value, expected):
    line = refused(qiyou(tmp_path, {name: value}, "serve"))
    assert line == f"qiyou: {name}={value!r}: {expected}"


def test_a_password_in_a_bad_url_is_not_shown(tmp_path):
    line = refused(qiyou(tmp_path, {"DATABASE_URL": "postgres://qiyou:hunter2@/qiyou"}, "serve"))
    assert line == f"qiyou: DATABASE_URL='postgres://qiyou:***@/qiyou': {DATABASES} (with a host)"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["serve", "--http-port", "abc"], f"qiyou: --http-port='abc': {PORT}"),
        (["serve", "--smtp-port", "65536"], f"qiyou: --smtp-port='65536': {PORT}"),
        (
            ["--database-url", "mysql://db/q", "serve"],
            f"qiyou: --database-url='mysql://db/q': {DATABASES}",
        ),
        (
            ["--database-url", "mysql://db/q", "migrate"],
            f"qiyou: --database-url='mysql://db/q': {DATABASES}",
        ),
        (
            ["serve", "--broadcast-url", "nats://n"],
            "qiyou: --broadcast-url='nats://n': expected a URL starting memory://, redis://,"
            " rediss://, postgres:// or postgresql://",
        ),
    ],
)
def test_a_bad_flag_is_named_as_a_flag(tmp_path, args, line):
    assert refused(qiyou(tmp_path, {}, *args)) == line


def test_an_unknown_role(tmp_path):
    line = refused(qiyou(tmp_path, {}, "serve", "--roles", "http,imap4"))
    assert line.startswith("qiyou: --roles='http,imap4': expected some of http, mx,")
    assert "unknown role(s) imap4" in line


def test_a_data_dir_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    data_dir = tmp_path / "file" / "var"
    line = refused(qiyou(tmp_path, {"QIYOU_DATA_DIR": str(data_dir)}, "serve"))
    assert line.startswith(f"qiyou: QIYOU_DATA_DIR='{data_dir}': expected a directory this user")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("certs")
    a_cert, a_key = ensure_self_signed(base / "a", "a.test")
    _, b_key = ensure_self_signed(base / "b", "b.test")
    return {"cert": a_cert, "key": a_key, "other_key": b_key}


def test_tls_files_are_checked(tmp_path, certificates):
    cert, key = str(certificates["cert"]), str(certificates["key"])
    missing = str(tmp_path / "missing.pem")
    cases = [
        (
            {"QIYOU_TLS_CERT": cert},
            "qiyou: QIYOU_TLS_KEY='': expected a PEM file, as QIYOU_TLS_CERT is set",
        ),
        (
            {"QIYOU_TLS_CERT": missing, "QIYOU_TLS_KEY": key},
            f"qiyou: QIYOU_TLS_CERT='{missing}': expected a readable PEM file"
            " (No such file or directory)",
        ),
        (
            {"QIYOU_TLS_CERT": key, "QIYOU_TLS_KEY": key},
            f"qiyou: QIYOU_TLS_CERT='{key}': expected a PEM certificate",
        ),
        (
            {"QIYOU_TLS_CERT": cert, "QIYOU_TLS_KEY": str(certificates["other_key"])},
            f"qiyou: QIYOU_TLS_KEY='{certificates['other_key']}': expected the PEM private key"
            " of QIYOU_TLS_CERT",
        ),
    ]
    for env, line in cases:
        assert refused(qiyou(tmp_path, env, "serve")) == line


def test_good_values_are_accepted(tmp_path, certificates):
    """Every accepted spelling passes the same check (``translate list`` needs no database)."""
    good = {
        "QIYOU_HTTP_PORT": " 8080 ",
        "QIYOU_PUBLIC_IMAP_PORT": "",
        "DATABASE_URL": "postgresql://qiyou:pw@db:5432/qiyou",
        "BROADCAST_URL": "rediss://:pw@redis:6380/0",
        "SEARCH_URL": "meili+https://search:7700?key=abc",
        "QIYOU_BLOB_URL": "s3://mail?endpoint=http://127.0.0.1:8333&region=us-east-1",
        "QIYOU_RELAY_URL": "smtp+starttls://u:p@relay:587",
        "QIYOU_SPAM_URL": "off",
        "QIYOU_MAX_MESSAGE_SIZE": "25m",
        "QIYOU_SEARCH_PAUSED": "YES",
        "QIYOU_ALLOW_PLAINTEXT_AUTH": "Loopback",
        "QIYOU_OUTBOUND_BACKOFF": "1,2.5",
        "QIYOU_TLS_CERT": str(certificates["cert"]),
        "QIYOU_TLS_KEY": str(certificates["key"]),
    }
    result = qiyou(tmp_path, good, "translate", "list")
    assert result.returncode == 0, result.stderr
    settings = Settings.from_env(good)
    assert settings.http_port == 8080 and settings.public_imap_port is None
    assert settings.max_message_size == 25 * MB and settings.search_paused
    assert settings.allow_plaintext_auth == "loopback"
    assert settings.outbound_backoff == (1.0, 2.5)


def test_defaults_need_no_variable():
    settings = Settings.from_env({})
    assert settings == Settings()


def test_setting_error_names_variable_value_and_expectation():
    with pytest.raises(SettingError) as caught:
        Settings.from_env({"QIYOU_LOGIN_MAX_FAILURES": "0"})
    assert (caught.value.name, caught.value.value) == ("QIYOU_LOGIN_MAX_FAILURES", "0")
    assert caught.value.expected == "a whole number ≥ 1"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_data_dir_that_is_not_writable(tmp_path):
    data_dir = tmp_path / "ro"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        line = refused(qiyou(tmp_path, {"QIYOU_DATA_DIR": str(data_dir)}, "serve"))
    finally:
        data_dir.chmod(0o700)
        shutil.rmtree(data_dir)
    assert line == (
        f"qiyou: QIYOU_DATA_DIR='{data_dir}': expected a directory this user can create and"
        " write (not writable)"
    )

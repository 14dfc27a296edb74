"""The deployment files pass the checkers their tools offer: hadolint for the Dockerfile, the
Compose specification's JSON schema for deploy/compose.yaml, ``systemd-analyze verify`` for
the units, ``nginx -t``, ``haproxy -c`` and ``caddy validate`` for the proxy examples. Docker
itself cannot run here (no registry is reachable): tests/deploy/test_compose.py runs the
processes the compose file starts instead.

A missing checker program skips its test with the reason (``make test`` installs them),
unless QIYOU_REQUIRE_SERVICES=1, where it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailcore.core.net.tls import ensure_self_signed
from tests.conftest import REQUIRE_SERVICES
from tests.deploy.compose_file import COMPOSE, DEPLOY, ROOT, qiyou_services, services

BIN = Path(sys.executable).parent
ROLES = {"http", "mx", "submission", "imap", "pop3", "worker"}


def tool(name: str) -> str:
    """The path of a checker program: beside the venv's python, else on PATH."""
    found = str(BIN / name) if (BIN / name).exists() else shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (make deploy-tools)"
        if REQUIRE_SERVICES:
            pytest.fail(f"QIYOU_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return found


def run(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **options)


def test_dockerfile_passes_hadolint_without_a_finding():
    result = run(tool("hadolint"), "--no-color", str(ROOT / "Dockerfile"))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dockerfile_copies_nothing_the_dockerignore_leaves_out():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith("!")
    ]
    allowed = {line[1:].strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}  # fmt: skip
    copies = re.findall(r"^COPY (?!--from)(.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    sources = [source.rstrip("/") for line in copies for source in line.split()]
    assert "web/package.json" in sources and "mailcore" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        if source in allowed:
            continue
        for pattern in ignored:
            prefix = pattern.rstrip("/*")
            assert not (source == prefix or source.startswith(prefix + "/")), (source, pattern)


def test_compose_file_matches_the_compose_specification_schema(tmp_path: Path):
    checker = tool("check-jsonschema")
    result = run(checker, "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "compose.yaml"  # the checker does refuse an unknown key
    broken.write_text(COMPOSE.read_text().replace("depends_on: &after-migrate", "depends: &x"))
    assert run(checker, "--builtin-schema", "vendor.compose-spec", str(broken)).returncode


def test_compose_qiyou_services_migrate_once_then_serve_every_role_with_health_checks():
    found = qiyou_services()
    assert found["qiyou-migrate"]["command"] == ["migrate"]
    assert found["qiyou-migrate"]["restart"] == "no"
    roles: list[str] = []
    for name, service in found.items():
        if name == "qiyou-migrate":
            continue
        command = service["command"]
        assert command[:3] == ["serve", "--no-migrate", "--roles"], name
        roles += command[3].split(",")
        after = service["depends_on"]["qiyou-migrate"]
        assert after["condition"] == "service_completed_successfully", name
        assert service["healthcheck"]["test"][-1] == "/opt/qiyou/healthcheck.py", name
        if "http" not in command[3]:  # no HTTP port: the health listener of its own
            assert service["environment"]["QIYOU_METRICS_PORT"], name
    assert roles.count("http") == 2 and set(roles) == ROLES
    for name, service in services().items():
        if name not in found and service.get("restart") == "unless-stopped":
            assert "healthcheck" in service, name


def _units(tmp_path: Path) -> list[str]:
    """Copies of deploy/systemd/ whose ExecStart is this venv's qiyou (verify checks that the
    program exists)."""
    qiyou = tool("qiyou")
    paths = []
    for unit in sorted((DEPLOY / "systemd").glob("qiyou*.*")):
        if unit.suffix in (".service", ".target"):
            text = unit.read_text().replace("/opt/qiyou/venv/bin/qiyou", qiyou)
            (tmp_path / unit.name).write_text(text)
            paths.append(str(tmp_path / unit.name))
    return paths


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path):
    analyze = tool("systemd-analyze")
    units = _units(tmp_path)
    assert {Path(u).name for u in units} >= {
        "qiyou-migrate.service",
        "qiyou-http.service",
        "qiyou-mail.service",
        "qiyou-worker.service",
        "qiyou.target",
    }
    result = run(analyze, "verify", "--man=no", *units)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    mail = (DEPLOY / "systemd" / "qiyou-mail.service").read_text()
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in mail
    assert "--roles mx,submission,imap,pop3" in mail
    for unit in (DEPLOY / "systemd").glob("qiyou-*.service"):  # reload = SIGHUP, if serving
        serving = " serve --no-migrate --roles " in unit.read_text()
        reload = "ExecReload=/bin/kill -HUP $MAINPID" in unit.read_text().splitlines()
        assert reload == serving, unit.name
    http = tmp_path / "qiyou-http.service"  # verify does refuse a broken unit
    http.write_text(http.read_text().replace("Restart=on-failure", "Restart=sometimes"))
    assert run(analyze, "verify", "--man=no", str(http)).stderr


def _local(text: str, tmp_path: Path) -> str:
    """A proxy config with the compose host names on 127.0.0.1 and a self-signed certificate."""
    cert, key = ensure_self_signed(tmp_path / "tls", "localhost")
    text = re.sub(r"qiyou-(http-[ab]|mail):", "127.0.0.1:", text)
    return text.replace("/etc/qiyou/tls/fullchain.pem", str(cert)).replace(
        "/etc/qiyou/tls/privkey.pem", str(key)
    )


def test_nginx_config_passes_nginx_t(tmp_path: Path):
    nginx = tool("nginx")
    site = tmp_path / "qiyou.conf"
    site.write_text(_local((DEPLOY / "nginx" / "qiyou.conf").read_text(), tmp_path))
    main = (DEPLOY / "nginx" / "nginx.conf").read_text()
    main = main.replace("/etc/nginx/qiyou.conf", str(site)).replace("/dev/stdout", "off")
    mime = Path("/etc/nginx/mime.types")
    if not mime.exists():  # nginx without Debian's configuration files
        main = main.replace("include /etc/nginx/mime.types;", "")
    (tmp_path / "nginx.conf").write_text(main.replace("/dev/stderr", str(tmp_path / "err.log")))
    args = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "pid nginx.pid;"]
    result = run(nginx, "-t", "-e", str(tmp_path / "err.log"), *args)
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr
    assert "client_max_body_size 51m;" in site.read_text()  # QIYOU_MAX_MESSAGE_SIZE + 1 MB


def test_haproxy_mail_config_passes_haproxy_c(tmp_path: Path):
    haproxy = tool("haproxy")
    text = (DEPLOY / "haproxy" / "qiyou-mail.cfg").read_text()
    assert "send-proxy-v2" in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(_local(text, tmp_path))
    result = run(haproxy, "-c", "-f", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_caddyfile_passes_caddy_validate(tmp_path: Path):
    caddy = tool("caddy")
    config = tmp_path / "Caddyfile"
    config.write_text(_local((DEPLOY / "Caddyfile").read_text(), tmp_path))
    home = str(tmp_path / "home")  # caddy keeps its state under $HOME / XDG dirs
    env = {"PATH": os.environ["PATH"], "HOME": home, "XDG_DATA_HOME": home}
    env |= {"XDG_CONFIG_HOME": home, "QIYOU_DOMAIN": "mail.example.com"}
    result = run(caddy, "validate", "--config", str(config), "--adapter", "caddyfile", env=env)
    assert result.returncode == 0, result.stderr
    formatted = run(caddy, "fmt", str(config), env=env)
    assert formatted.stdout == config.read_text(), "run caddy fmt --overwrite deploy/Caddyfile"

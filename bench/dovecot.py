"""A throwaway Dovecot to compare Qiyou's POP3 and IMAP with, in the same run.

Debian's packages (``apt-get install -y dovecot-pop3d dovecot-imapd``) run here as a test
instance: ``dovecot -F -c <temp dir>/dovecot.conf``, everything (config, sockets, state,
logs, the users' maildirs) under one temp dir, POP3 and IMAP on free high ports of
127.0.0.1 (plain, and POP3S/IMAPS when ``tls=True`` with a self-signed certificate), users
in a passwd-file with plain passwords. Mail is put straight into each user's
``Maildir/cur`` (with the seen flag or not), so filling it takes no delivery agent.

Started as root, Dovecot drops to its own users (``dovecot``, ``dovenull``) and the mail
user ``nobody``; otherwise everything runs as the calling user. ``stop`` ends the process
(SIGTERM, then SIGKILL) and ``close`` removes the temp dir.

    with Dovecot(tls=True) as dovecot:
        dovecot.add_user("alice", "secret")
        dovecot.deliver("alice", raw_bytes)
        dovecot.start()
        poplib.POP3("127.0.0.1", dovecot.pop3_port) ...
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = pop3 imap
listen = 127.0.0.1
{users}
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
first_valid_uid = {first_uid}
pop3_uidl_format = %08Xu%08Xv
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    port = {pop3s_port}
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self, *, tls: bool = False, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="dovecot-bench-"))
        self.tls = tls
        self._pick_ports()
        self.process: subprocess.Popen[bytes] | None = None
        self._users: dict[str, str] = {}
        self._as_root = os.geteuid() == 0
        mail_user = pwd.getpwnam("nobody") if self._as_root else pwd.getpwuid(os.getuid())
        self.uid, self.gid = mail_user.pw_uid, mail_user.pw_gid
        (self.root / "home").mkdir(parents=True, exist_ok=True)

    def _pick_ports(self) -> None:
        self.pop3_port, self.imap_port = free_port(), free_port()
        self.pop3s_port, self.imaps_port = (free_port(), free_port()) if self.tls else (0, 0)

    def __enter__(self) -> Dovecot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    def add_user(self, user: str, password: str) -> Path:
        """A user with an empty maildir; returns the maildir."""
        maildir = self.home(user) / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._users[user] = password
        return maildir

    def deliver(self, user: str, raw: bytes, *, seen: bool = False) -> Path:
        """Put one mail into the user's Inbox (before ``start``, or while running)."""
        name = (
            f"{time.time_ns()}.{uuid.uuid4().hex[:12]}.bench,S={len(raw)}:2,{'S' if seen else ''}"
        )
        path = self.home(user) / "Maildir" / "cur" / name
        tmp = self.home(user) / "Maildir" / "tmp" / name
        tmp.write_bytes(raw)
        tmp.rename(path)
        return path

    def _write_config(self) -> Path:
        lines = [
            f"{user}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.home(user)}"
            for user, password in self._users.items()
        ]
        (self.root / "users").write_text("\n".join(lines) + "\n")
        if self.tls:
            cert, key = self._certificate()
            ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
        else:
            ssl = "ssl = no"
        users = (
            "default_login_user = dovenull\ndefault_internal_user = dovecot"
            if self._as_root
            else f"default_login_user = {pwd.getpwuid(os.getuid()).pw_name}\n"
            f"default_internal_user = {pwd.getpwuid(os.getuid()).pw_name}"
        )
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                users=users,
                first_uid=min(self.uid, 500),
                ssl=ssl,
                pop3_port=self.pop3_port,
                pop3s_port=self.pop3s_port,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
            )
        )
        return config

    def _certificate(self) -> tuple[Path, Path]:
        from mailcore.core.net.tls import ensure_self_signed

        return ensure_self_signed(self.root / "tls", "localhost")

    def start(self, timeout: float = 20, tries: int = 3) -> None:
        """Start and wait until every port answers. A port seen free may be taken by
        another process before Dovecot binds it: then it starts again on other ports."""
        for attempt in range(tries):
            try:
                return self._start(timeout)
            except PortTaken:
                if attempt == tries - 1:
                    raise
                self._pick_ports()

    def _start(self, timeout: float) -> None:
        config = self._write_config()
        if self._as_root:  # the mail user owns the homes; the run dir stays root's
            for path in [self.root / "home", *(self.root / "home").rglob("*")]:
                os.chown(path, self.uid, self.gid)
            os.chmod(self.root, 0o755)
        self.log_path.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115 - lives with the process
        )
        deadline = time.monotonic() + timeout
        ports = [p for p in (self.pop3_port, self.imap_port, self.pop3s_port) if p]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                problems = self.problems()
                if "Address already in use" in problems:
                    raise PortTaken(problems)
                raise RuntimeError(f"dovecot exited:\n{problems}")
            if all(_listening(port) for port in ports):
                return
            time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start in time:\n{self.problems()}")

    def problems(self) -> str:
        text = ""
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")[-3000:]
        return text

    def pids(self) -> list[int]:
        """The master and its children (for CPU accounting)."""
        if self.process is None:
            return []
        result = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        )
        return [self.process.pid, *(int(p) for p in result.stdout.split())]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PortTaken(RuntimeError):
    """Dovecot could not bind a port chosen for it."""


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False

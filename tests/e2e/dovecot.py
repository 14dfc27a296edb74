"""A real Dovecot (IMAP/POP3) as the external server of the external-account tests: the
throwaway instance of ``bench/dovecot.py`` (one temp dir, loopback ports, plain-text users),
plus mail put into any folder with any flags while it runs."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from bench.dovecot import Dovecot as BenchDovecot
from bench.dovecot import installed

__all__ = ["Dovecot", "installed", "need_dovecot"]


def need_dovecot() -> None:
    if not installed():
        pytest.skip("dovecot is not installed (make mail-clients)")


class Dovecot(BenchDovecot):
    def folder(self, user: str, name: str) -> Path:
        """The maildir of a folder: ``""`` the Inbox, else Maildir++ ``.Name`` (``.`` nests;
        the name in modified UTF-7 as IMAP clients see it)."""
        maildir = self.home(user) / "Maildir"
        path = maildir / f".{name}" if name else maildir
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self._own(path)
        return path

    def put(self, user: str, raw: bytes, *, folder: str = "", flags: str = "") -> Path:
        """One mail into a folder; ``flags`` as maildir letters (S seen, F flagged, R
        answered). Works while Dovecot runs."""
        path = self.folder(user, folder)
        letters = "".join(sorted(set(flags)))
        name = f"{time.time_ns()}.{uuid.uuid4().hex[:12]}.test,S={len(raw)}:2,{letters}"
        (path / "tmp" / name).write_bytes(raw)
        os.chown(path / "tmp" / name, self.uid, self.gid)
        (path / "tmp" / name).rename(path / "cur" / name)
        return path / "cur" / name

    def count(self, user: str, folder: str = "") -> int:
        path = self.folder(user, folder)
        return sum(1 for _ in (path / "cur").iterdir()) + sum(1 for _ in (path / "new").iterdir())

    def _own(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        for item in [path, *path.rglob("*")]:
            os.chown(item, self.uid, self.gid)

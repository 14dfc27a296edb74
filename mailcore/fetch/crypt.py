"""The external accounts' passwords, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived (HKDF-SHA256) from the server's ``QIYOU_SECRET_KEY``; without one, from a
random key kept in ``<data dir>/external-accounts.key`` (made on first use, mode 0600). A
database copy alone does not reveal the passwords. Several nodes need the same secret key
(or the same key file) to read each other's accounts.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mailcore.core.config import Settings
from mailcore.fetch.errors import FetchError, FetchErrorCode

KEY_FILE = "external-accounts.key"
INFO = b"qiyou external account passwords"


def _derive(secret: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret)
    return base64.urlsafe_b64encode(key)


def _file_secret(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    try:  # two processes at once: one creates it, the other reads it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_hex(32).encode())
        out.flush()
        os.fsync(out.fileno())
    return path.read_bytes()


class Crypt:
    """Encrypts and decrypts the passwords of one server's accounts."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.secret_key.encode() or _file_secret(Path(settings.data_dir))
        self._fernet = Fernet(_derive(secret))

    def seal(self, password: str) -> str:
        return self._fernet.encrypt(password.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            raise FetchError(
                FetchErrorCode.KEY_MISSING,
                "the stored password cannot be read with this server's key "
                "(QIYOU_SECRET_KEY changed?); enter the password again",
                "password",
            ) from None


_crypts: dict[tuple[str, str], Crypt] = {}


def crypt_for(settings: Settings) -> Crypt:
    """The server's ``Crypt``, made once per key."""
    key = (settings.secret_key, str(settings.data_dir))
    if key not in _crypts:
        _crypts[key] = Crypt(settings)
    return _crypts[key]

"""Passwords of external accounts at rest (``mailcore/fetch/crypt.py``): sealed, not stored
as given, readable only with the same key (the secret setting or the data dir's key file);
and the schedule's backoff and the provider presets."""

from __future__ import annotations

import stat

import pytest

from mailcore.core.config import Settings
from mailcore.fetch.crypt import KEY_FILE, Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.presets import PRESETS
from mailcore.fetch.worker import BACKOFF_FIRST, backoff


def settings(tmp_path, secret: str = "") -> Settings:
    return Settings.from_env({"QIYOU_DATA_DIR": str(tmp_path), "QIYOU_SECRET_KEY": secret})


def test_sealed_with_the_secret_setting(tmp_path):
    sealed = Crypt(settings(tmp_path, "s3cret")).seal("app-password 授权码")
    assert "app-password" not in sealed
    assert Crypt(settings(tmp_path, "s3cret")).open(sealed) == "app-password 授权码"
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(FetchError) as caught:
        Crypt(settings(tmp_path, "another")).open(sealed)
    assert caught.value.code is FetchErrorCode.KEY_MISSING


def test_without_a_secret_a_private_key_file(tmp_path):
    sealed = Crypt(settings(tmp_path)).seal("pw")
    key = tmp_path / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert Crypt(settings(tmp_path)).open(sealed) == "pw"  # the same file, the same key
    key.unlink()
    with pytest.raises(FetchError):
        Crypt(settings(tmp_path)).open(sealed)


def test_backoff_doubles_up_to_the_cap():
    assert [backoff(n, 3600) for n in (1, 2, 3)] == [BACKOFF_FIRST, 2 * BACKOFF_FIRST, 240]
    assert backoff(30, 3600) == 3600


def test_presets_cover_the_common_providers_over_tls():
    hosts = {p.host for p in PRESETS}
    assert {"imap.exmail.qq.com", "imap.qq.com", "imap.163.com", "imap.gmail.com"} <= hosts
    assert "outlook.office365.com" in hosts
    assert all(p.port in (993, 995) and p.security.value == "tls" for p in PRESETS)
    assert len({p.key for p in PRESETS}) == len(PRESETS)

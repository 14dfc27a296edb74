"""Installing Argos packages from files: validation, replacement, listing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from mailcore.translate.errors import TranslateError, TranslateErrorCode
from mailcore.translate.packages import install_package, list_packages, packages_dir


def make_package(path: Path, top: str, version: str = "1.0", **extra_files: bytes) -> Path:
    meta = {"package_version": version, "from_code": "en", "to_code": "zh", "type": "translate"}
    files = {
        f"{top}/metadata.json": json.dumps(meta).encode(),
        f"{top}/model/model.bin": b"weights",
        f"{top}/sentencepiece.model": b"pieces",
        **extra_files,
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_install_lists_and_replaces_the_older_version(tmp_path: Path) -> None:
    first = install_package(tmp_path, make_package(tmp_path / "a.argosmodel", "translate-en_zh"))
    assert (first.model, first.from_code, first.to_code) == ("translate-en_zh@1.0", "en", "zh")
    newer = make_package(tmp_path / "b.argosmodel", "translate-en_zh-1_9", version="1.9")
    second = install_package(tmp_path, newer)
    assert (
        [p.model for p in list_packages(tmp_path)] == [second.model] == ["translate-en_zh-1_9@1.9"]
    )
    assert sorted(p.name for p in packages_dir(tmp_path).iterdir()) == ["translate-en_zh-1_9"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"../evil/metadata.json": b"{}"}, "unsafe path"),
        ({"/abs/metadata.json": b"{}"}, "unsafe path"),
        ({"one/metadata.json": b"{}", "two/metadata.json": b"{}"}, "exactly one package"),
        ({"p/metadata.json": b"not json", "p/model/model.bin": b"x"}, "metadata.json"),
        ({"p/metadata.json": b'{"from_code": "en", "to_code": "zh"}'}, "model/model.bin"),
    ],
)
def test_broken_packages_are_refused(tmp_path: Path, files: dict[str, bytes], message: str) -> None:
    path = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(TranslateError) as caught:
        install_package(tmp_path / "data", path)
    assert caught.value.code == TranslateErrorCode.INVALID_PACKAGE
    assert message in caught.value.message
    assert list_packages(tmp_path / "data") == []
    assert not (tmp_path / "evil").exists()


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.argosmodel"
    path.write_bytes(b"plain text")
    with pytest.raises(TranslateError, match="zip archive"):
        install_package(tmp_path, path)

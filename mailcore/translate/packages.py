"""Argos Translate packages in the data directory: install from a file, list, find one.

Packages live in ``DATA_DIR/translate/packages/<name>/`` (``metadata.json``, ``model/``,
``sentencepiece.model``, optionally ``minisbd/*.onnx``), and argostranslate's own package
directory setting (``ARGOS_PACKAGES_DIR``) points there, so its package code finds them.
Installing validates the archive (a zip with one package directory, no path escapes),
unpacks it beside the live packages and moves it in with a rename, replacing an older
package of the same language pair: a running server sees the new package on its next
request.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mailcore.translate.errors import TranslateError, TranslateErrorCode

MAX_UNPACKED = 4 * 1024**3  # no real package comes near this


@dataclass(frozen=True)
class PackageInfo:
    name: str
    path: Path
    from_code: str
    to_code: str
    version: str
    has_splitter: bool  # a bundled sentence splitter (minisbd/*.onnx)

    @property
    def model(self) -> str:
        """The model version recorded with every cached translation."""
        return f"{self.name}@{self.version}" if self.version else self.name


def packages_dir(data_dir: Path) -> Path:
    return data_dir / "translate" / "packages"


def configure_argos(data_dir: Path, threads: int = 1) -> None:
    """Point argostranslate's settings at our package directory and CPU settings.

    Its settings are read when ``argostranslate`` is first imported: call this before.
    """
    path = packages_dir(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    os.environ["ARGOS_PACKAGES_DIR"] = str(path)
    os.environ["ARGOS_DEVICE_TYPE"] = "cpu"
    os.environ["ARGOS_INTER_THREADS"] = "1"
    os.environ["ARGOS_INTRA_THREADS"] = str(threads)
    os.environ["ARGOS_COMPUTE_TYPE"] = "float32"
    os.environ["ARGOS_CHUNK_TYPE"] = "MINISBD"


def read_package(path: Path) -> PackageInfo | None:
    """The package in ``path``, or None when it is not a translation package."""
    try:
        meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("type", "translate") != "translate":
        return None
    from_code, to_code = meta.get("from_code"), meta.get("to_code")
    if not isinstance(from_code, str) or not isinstance(to_code, str):
        return None
    splitter = path / "minisbd"
    return PackageInfo(
        name=path.name,
        path=path,
        from_code=from_code,
        to_code=to_code,
        version=str(meta.get("package_version", "")),
        has_splitter=splitter.is_dir() and any(splitter.glob("*.onnx")),
    )


def list_packages(data_dir: Path) -> list[PackageInfo]:
    root = packages_dir(data_dir)
    if not root.is_dir():
        return []
    found = (
        read_package(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")
    )
    return [p for p in found if p is not None]


def find_package(data_dir: Path, from_code: str, to_code: str) -> PackageInfo | None:
    for pkg in list_packages(data_dir):
        if pkg.from_code == from_code and pkg.to_code == to_code:
            return pkg
    return None


def fingerprint(data_dir: Path) -> tuple[tuple[str, int], ...]:
    """Changes whenever a package is installed, replaced or removed (cheap: a few stats)."""
    root = packages_dir(data_dir)
    if not root.is_dir():
        return ()
    out = []
    for path in root.iterdir():
        try:
            out.append((path.name, (path / "metadata.json").stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(sorted(out))


def _invalid(message: str) -> TranslateError:
    return TranslateError(TranslateErrorCode.INVALID_PACKAGE, message, "file")


def _top_dir(archive: zipfile.ZipFile) -> str:
    tops = set()
    total = 0
    for info in archive.infolist():
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
            raise _invalid(f"unsafe path in the archive: {info.filename}")
        tops.add(name.parts[0])
        total += info.file_size
    if total > MAX_UNPACKED:
        raise _invalid("the archive unpacks to more than 4 GB")
    if len(tops) != 1:
        raise _invalid("an .argosmodel holds exactly one package directory")
    top = tops.pop()
    if top.startswith(".") or not top.strip():
        raise _invalid(f"bad package directory name: {top}")
    return top


def install_package(data_dir: Path, archive_path: Path) -> PackageInfo:
    """Install the ``.argosmodel`` at ``archive_path``; returns the installed package."""
    if not zipfile.is_zipfile(archive_path):
        raise _invalid("not an Argos package (an .argosmodel is a zip archive)")
    root = packages_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    try:
        with zipfile.ZipFile(archive_path) as archive:
            top = _top_dir(archive)
            archive.extractall(staging)
        unpacked = staging / top
        info = read_package(unpacked)
        if info is None:
            raise _invalid("metadata.json is missing or has no from_code/to_code")
        if not (unpacked / "model" / "model.bin").is_file():
            raise _invalid("the package has no CTranslate2 model (model/model.bin)")
        if not any((unpacked / n).is_file() for n in ("sentencepiece.model", "bpe.model")):
            raise _invalid("the package has no tokenizer (sentencepiece.model or bpe.model)")
        replaced = [
            p
            for p in list_packages(data_dir)
            if p.name == top or (p.from_code, p.to_code) == (info.from_code, info.to_code)
        ]
        for old in replaced:  # move aside first, so the new one can take the name
            old.path.rename(staging / f"old-{old.name}")
        target = root / top
        unpacked.rename(target)
        return read_package(target) or info
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def verify_with_argos(data_dir: Path, pkg: PackageInfo) -> None:
    """Check that argostranslate itself, pointed at our directory, sees and reads ``pkg``."""
    configure_argos(data_dir)
    from argostranslate import package as argos_package

    names = {p.package_path.name for p in argos_package.get_installed_packages()}
    if pkg.name not in names:
        raise TranslateError(
            TranslateErrorCode.INVALID_PACKAGE, "argostranslate does not see the package", "file"
        )

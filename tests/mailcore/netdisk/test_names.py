"""File and folder names (mailcore/netdisk/names.py): what is refused, what is normalised,
and which names collide."""

from __future__ import annotations

import unicodedata

import pytest

from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.netdisk.names import clean_name, name_key


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        "../etc/passwd",
        "a/b",
        "a\\b",
        "nul\x00byte",
        "line\nbreak",
        "bell\x07",
        "x" * 256,
        "名" * 256,  # one character too many (255 fit, below)
        "invoice\u202etxt.exe",  # right-to-left override
    ],
)
def test_refused(name: str) -> None:
    with pytest.raises(NetdiskError) as refused:
        clean_name(name)
    assert refused.value.code is NetdiskErrorCode.BAD_NAME
    assert refused.value.field == "name"


@pytest.mark.parametrize(
    "name", ["report.pdf", "报告 2026.docx", "x" * 255, "名" * 255, ".hidden", "a..b", "👩‍💻.png"]
)
def test_accepted(name: str) -> None:
    assert clean_name(name) == name


def test_normalised_to_nfc_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", "  Café.txt ")
    assert clean_name(decomposed) == unicodedata.normalize("NFC", "Café.txt")


def test_names_differing_in_normalisation_or_case_share_a_key() -> None:
    nfc, nfd = unicodedata.normalize("NFC", "Ångström"), unicodedata.normalize("NFD", "Ångström")
    assert nfc != nfd
    assert name_key(clean_name(nfc)) == name_key(clean_name(nfd)) == name_key("ÅNGSTRÖM")
    assert name_key("straße") == name_key("STRASSE")
    assert name_key("a.txt") != name_key("b.txt")

"""RFC 3461 parameters: xtext both ways, MAIL's RET/ENVID, RCPT's NOTIFY/ORCPT, and which
reports NOTIFY asks for."""

from __future__ import annotations

import pytest

from mailcore.delivery.dsn_params import (
    MAIL_PARAMS,
    RCPT_PARAMS,
    DsnSyntaxError,
    mail_params,
    rcpt_params,
    split_params,
    wants,
    xtext_decode,
    xtext_encode,
)
from mailcore.delivery.transport import rcpt_dsn_options
from mailcore.store.request import Dsn


@pytest.mark.parametrize(
    ("wire", "decoded"),
    [("abc", "abc"), ("a+2Bb", "a+b"), ("a+3Db", "a=b"), ("+20x", " x"), ("", "")],
)
def test_xtext_round_trip(wire, decoded):
    assert xtext_decode(wire) == decoded
    assert xtext_decode(xtext_encode(decoded)) == decoded


@pytest.mark.parametrize("wire", ["a=b", "a+b", "a+2b", "a+ZZ", "a b", "a+0Db", "a+0A", "中"])
def test_not_xtext_or_not_printable(wire):
    assert xtext_decode(wire) is None


def test_encode_escapes_plus_equals_and_blanks():
    assert xtext_encode("a+b=c d") == "a+2Bb+3Dc+20d"


def test_split_keeps_other_parameters_and_refuses_repeats():
    found, rest = split_params(["SIZE=10", "ret=hdrs", "ENVID=Q+2Bx"], MAIL_PARAMS)
    assert found == {"RET": "hdrs", "ENVID": "Q+2Bx"} and rest == ["SIZE=10"]
    with pytest.raises(DsnSyntaxError):
        split_params(["NOTIFY=NEVER", "notify=SUCCESS"], RCPT_PARAMS)
    with pytest.raises(DsnSyntaxError):
        split_params(["ORCPT"], RCPT_PARAMS)


def test_mail_params():
    assert mail_params({"RET": "hdrs", "ENVID": "Q+2Bx"}) == ("HDRS", "Q+x")
    assert mail_params({}) == ("", "")
    for bad in ({"RET": "ALL"}, {"ENVID": "a=b"}, {"ENVID": "x" * 101}):
        with pytest.raises(DsnSyntaxError) as error:
            mail_params(bad)
        assert error.value.reply.startswith("501 5.5.4 ")


def test_rcpt_params():
    assert rcpt_params({"NOTIFY": "delay,Success"}) == ("SUCCESS,DELAY", "")
    assert rcpt_params({"NOTIFY": "never"}) == ("NEVER", "")
    assert rcpt_params({"ORCPT": "RFC822;A+2Bb@x.test"}) == ("", "rfc822;A+b@x.test")
    for bad in (
        {"NOTIFY": "NEVER,FAILURE"},
        {"NOTIFY": "FAILURE,FAILURE"},
        {"NOTIFY": "SOMETIMES"},
        {"NOTIFY": ""},
        {"ORCPT": "a@x.test"},
        {"ORCPT": "rfc822;"},
        {"ORCPT": "rfc 822;a@x.test"},
        {"ORCPT": "rfc822;" + "a" * 500},
    ):
        with pytest.raises(DsnSyntaxError):
            rcpt_params(bad)


def test_wants():
    assert wants("", "FAILURE") and wants("", "DELAY") and not wants("", "SUCCESS")
    assert not wants("NEVER", "FAILURE")
    assert wants("SUCCESS", "SUCCESS") and not wants("SUCCESS", "FAILURE")


def test_utf8_is_encoded_by_its_octets_and_no_rfc822_orcpt_holds_it():
    """Review finding: ``用`` became ``+7528``, which is not xtext."""
    assert xtext_encode("用") == "+E7+94+A8"
    dsn = Dsn(notify={"用户@例子.中国": "FAILURE"})
    assert rcpt_dsn_options(dsn, "用户@例子.中国") == ["NOTIFY=FAILURE"]
    assert rcpt_dsn_options(Dsn(), "tom@example.com") == ["ORCPT=rfc822;tom@example.com"]

"""MAIL/RCPT address parsing: QiyouSMTP's fast path answers exactly as aiosmtpd's parser."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import SMTP

from mailcore.protocols.smtp.protocol import QiyouSMTP

ARGUMENTS = [
    "<a@b.c>",
    "<Tom.Lee+tag@mail-1.Example.COM> SIZE=20480 BODY=8BITMIME",
    " <tom@x.com>",
    "<a@b.c>SIZE=1",
    "<a@b.c>\tSIZE=2",
    "<a@b.c> (a comment) SIZE=1",
    "<a..b@c.d>",
    "<.a@b.c>",
    '<"quoted local"@x.y>',
    "<>",
    "<a@[192.0.2.1]>",
    "<a@b.c.>",
    "<张三@例子.中国> SMTPUTF8",
    "a@b.c",
    "<a@b.c",
    "<a@b.c>>",
    "<@relay.example:a@b.c>",
    "",
]


def parser(cls: type[SMTP], local_part_limit: int = 0) -> SMTP:
    protocol = cls.__new__(cls)  # only the parsing methods are used: no handler, no loop
    protocol.local_part_limit = local_part_limit
    return protocol


@pytest.mark.parametrize("argument", ARGUMENTS)
def test_same_address_and_rest_as_aiosmtpd(argument):
    assert parser(QiyouSMTP)._getaddr(argument) == parser(SMTP)._getaddr(argument)


def test_the_local_part_limit_still_applies():
    for argument in ("<abcd@x.y>", "<abc@x.y> SIZE=1"):
        limited = parser(QiyouSMTP, local_part_limit=3)._getaddr(argument)
        assert limited == parser(SMTP, local_part_limit=3)._getaddr(argument)
    assert parser(QiyouSMTP, local_part_limit=3)._getaddr("<abcd@x.y>") == (None, None)

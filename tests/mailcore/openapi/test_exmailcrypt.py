"""The callback cipher (``mailcore/openapi/exmailcrypt.py``) against vectors made outside it.

Two sources: WeChat Work's own published example (its WXBizMsgCrypt sample: Token
``QDG6eK``, receive id ``wx5823bf96d3bd56c7``, a URL check whose echostr decrypts to
``1616140317555161061``), and a vector this test computes step by step with the raw
primitives (SHA-1, AES-256-CBC, padding to 32 bytes) from the published description.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mailcore.openapi import exmailcrypt

# WeChat Work's sample (developer.work.weixin.qq.com/document/path/90968, "举例说明" and
# the downloadable Sample.py): a VerifyURL call.
WX_TOKEN = "QDG6eK"
WX_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WX_RECEIVE_ID = "wx5823bf96d3bd56c7"
WX_TIMESTAMP, WX_NONCE = "1409659589", "263014780"
WX_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
WX_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"


def test_the_published_url_check_signs_and_decrypts_as_wechat_work_says():
    assert exmailcrypt.signature(WX_TOKEN, WX_TIMESTAMP, WX_NONCE, WX_ECHOSTR) == WX_SIGNATURE
    assert exmailcrypt.decrypt(WX_KEY, WX_ECHOSTR, WX_RECEIVE_ID) == b"1616140317555161061"


def test_the_published_echostr_is_refused_for_another_receive_id():
    with pytest.raises(exmailcrypt.CallbackCryptError):
        exmailcrypt.decrypt(WX_KEY, WX_ECHOSTR, "wx5823bf96d3bd56c8")


def _reference_encrypt(encoding_aes_key: str, msg: bytes, receive_id: str, rnd: bytes) -> str:
    """The published algorithm, written out here without the module under test."""
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    plain = rnd + len(msg).to_bytes(4, "big") + msg + receive_id.encode()
    n = 32 - len(plain) % 32
    plain += bytes([n] * n)
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
RANDOM16 = bytes(range(16))
MSG = "<xml><Title><![CDATA[季度报告]]></Title></xml>".encode()
CORPID = "qy0123456789abcdef"


def test_encrypt_matches_the_reference_for_a_fixed_random_prefix():
    expected = _reference_encrypt(KEY, MSG, CORPID, RANDOM16)

    assert exmailcrypt.encrypt(KEY, MSG, CORPID, random16=RANDOM16) == expected
    assert exmailcrypt.decrypt(KEY, expected, CORPID) == MSG


def test_padding_is_to_32_bytes_also_when_the_plaintext_fills_whole_blocks():
    msg = b"x" * (64 - 20 - len(CORPID))  # random + length + msg + id = 64 bytes exactly
    encrypted = exmailcrypt.encrypt(KEY, msg, CORPID, random16=RANDOM16)

    raw = base64.b64decode(encrypted)
    assert len(raw) == 96, "a whole 32-byte block of padding (32 × 0x20) is added"
    key = base64.b64decode(KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(raw) + dec.finalize()
    assert plain[-32:] == b"\x20" * 32
    assert plain[:16] == RANDOM16 and struct.unpack(">I", plain[16:20])[0] == len(msg)


def test_signature_is_sha1_of_the_sorted_concatenation():
    parts = ["tok", "1700000000", "12345", "ZW5jcnlwdGVk"]
    expected = hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    assert exmailcrypt.signature(*parts) == expected == expected.lower()


def test_random_prefixes_differ_between_calls():
    assert exmailcrypt.encrypt(KEY, MSG, CORPID) != exmailcrypt.encrypt(KEY, MSG, CORPID)


@pytest.mark.parametrize(
    "bad", ["", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "-", "A" * 42 + "é"]
)
def test_keys_that_are_not_43_base64_characters_are_refused(bad):
    assert not exmailcrypt.valid_aes_key(bad)
    with pytest.raises(ValueError):
        exmailcrypt.aes_key(bad)


@pytest.mark.parametrize("bad", ["", "a b", "tok-en", "tök", "x" * 33, "a\nb", "tok&x=1"])
def test_tokens_with_other_characters_or_too_long_are_refused(bad):
    assert not exmailcrypt.valid_token(bad)


def test_generated_keys_and_tokens_are_valid_and_decode_to_32_bytes():
    key, token = exmailcrypt.new_aes_key(), exmailcrypt.new_token()
    assert exmailcrypt.valid_aes_key(key) and exmailcrypt.valid_token(token)
    assert len(exmailcrypt.aes_key(key)) == 32


@pytest.mark.parametrize(
    "garbage", ["not base64!", "", "QUJD", base64.b64encode(b"x" * 32).decode()]
)
def test_garbage_does_not_decrypt(garbage):
    with pytest.raises(exmailcrypt.CallbackCryptError):
        exmailcrypt.decrypt(KEY, garbage, CORPID)

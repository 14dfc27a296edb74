"""The WeChat Work callback cipher, which Exmail's callbacks use (``WXBizMsgCrypt``).

Published in WeChat Work's "加解密方案说明" (developer.work.weixin.qq.com/document/path/90968):

- ``msg_signature`` = lowercase hex SHA-1 of the sorted concatenation of the Token, the
  timestamp, the nonce and the encrypted message;
- the AES key is ``base64decode(EncodingAESKey + "=")`` (43 characters give 32 bytes),
  AES-256-CBC with the key's first 16 bytes as IV, PKCS#7 padding to a multiple of 32 bytes;
- the plaintext is 16 random bytes, the message's length (4 bytes, big-endian), the message
  and the receive id (the corp id); the ciphertext travels base64-encoded.

Pure functions, no I/O: the wire format around them is in ``exmailcallback``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # PKCS#7 to a multiple of 32 bytes, as the scheme says (not AES's 16)
KEY_RE = re.compile(r"[A-Za-z0-9+/]{43}")
TOKEN_RE = re.compile(r"[A-Za-z0-9]{1,32}")  # "英文或数字组成且长度不超过32位"
_ALNUM = string.ascii_letters + string.digits


class CallbackCryptError(ValueError):
    """A message that does not decrypt, or decrypts to another receive id."""


def valid_aes_key(encoding_aes_key: str) -> bool:
    return KEY_RE.fullmatch(encoding_aes_key) is not None


def valid_token(token: str) -> bool:
    return TOKEN_RE.fullmatch(token) is not None


def new_aes_key() -> str:
    """A random EncodingAESKey: 43 letters and digits, as WeChat Work's console makes them."""
    return "".join(secrets.choice(_ALNUM) for _ in range(43))


def new_token() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def aes_key(encoding_aes_key: str) -> bytes:
    if not valid_aes_key(encoding_aes_key):
        raise ValueError("an EncodingAESKey is 43 base64 characters")
    return base64.b64decode(encoding_aes_key + "=")


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def encrypt(encoding_aes_key: str, msg: bytes, receive_id: str, random16: bytes = b"") -> str:
    """``msg`` encrypted for ``receive_id`` (``random16``: fixed for tests, else random)."""
    key = aes_key(encoding_aes_key)
    random16 = random16 or secrets.token_bytes(16)
    if len(random16) != 16:
        raise ValueError("the random prefix is 16 bytes")
    plain = random16 + struct.pack(">I", len(msg)) + msg + receive_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, encrypted: str, receive_id: str) -> bytes:
    """The message inside ``encrypted``; CallbackCryptError if it is not one for ``receive_id``."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackCryptError("not base64") from exc
    if not data or len(data) % 16:
        raise CallbackCryptError("not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CallbackCryptError("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise CallbackCryptError("too short")
    (length,) = struct.unpack(">I", plain[16:20])
    msg, rest = plain[20 : 20 + length], plain[20 + length :]
    if len(msg) != length or rest != receive_id.encode():
        raise CallbackCryptError("for another receive id")
    return msg

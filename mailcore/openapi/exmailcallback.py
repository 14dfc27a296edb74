"""Exmail's callback wire format: the URL check at set-up and the new-mail POST.

Exmail (whose new-mail push is "获取邮件未读数(回调模式)", published copy at
service.rtxmail.net/api/291.html) sends its callbacks the way WeChat Work does: a query
string ``msg_signature``, ``timestamp``, ``nonce`` and an encrypted XML message
(``exmailcrypt``). At set-up a GET also carries ``echostr``, an encrypted random string the
receiver must decrypt and answer in plain; only then is the URL accepted.

The decrypted new-mail message carries Exmail's fields (``CorpID``, ``MsgType`` Mail,
``MailID``, ``ToUserID``, ``FromUser``, ``Title``, ``Time``, ``NewCount``) filled from the
JSON that Qiyou's own webhook sends, so both formats come from the same outbox rows. The
POSTed envelope around it (``ToUserName`` + ``Encrypt``) is WeChat Work's, as Exmail
publishes none.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

import httpx

from mailcore.openapi import exmailcrypt


@dataclass(frozen=True)
class CallbackKeys:
    """What a receiver shares with us: the Token, the EncodingAESKey and the corp id."""

    token: str
    aes_key: str
    corpid: str


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def new_mail_xml(corpid: str, body: str) -> str:
    """Exmail's new-mail message from the JSON body of a Qiyou webhook delivery."""
    mail = json.loads(body)
    return (
        "<xml>"
        f"<CorpID>{_cdata(corpid)}</CorpID>"
        f"<MsgType>{_cdata('Mail')}</MsgType>"
        f"<MailID>{_cdata(str(mail['msgid']))}</MailID>"
        f"<ToUserID>{_cdata(mail['userid'])}</ToUserID>"
        f"<FromUser>{_cdata(mail['from'])}</FromUser>"
        f"<Title>{_cdata(mail['subject'])}</Title>"
        f"<Time>{int(mail['time'])}</Time>"
        f"<NewCount>{int(mail['unread'])}</NewCount>"
        "</xml>"
    )


def _signed(keys: CallbackKeys, encrypted: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = str(secrets.randbelow(9 * 10**9) + 10**9)
    sig = exmailcrypt.signature(keys.token, timestamp, nonce, encrypted)
    return {"msg_signature": sig, "timestamp": timestamp, "nonce": nonce}


def new_mail_request(keys: CallbackKeys, url: str, body: str) -> tuple[httpx.URL, bytes]:
    """The URL (with the signed query) and the XML body of one new-mail call (a new nonce,
    timestamp and random prefix on every attempt)."""
    msg = new_mail_xml(keys.corpid, body).encode()
    encrypted = exmailcrypt.encrypt(keys.aes_key, msg, keys.corpid)
    envelope = (
        f"<xml><ToUserName>{_cdata(keys.corpid)}</ToUserName>"
        f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>"
    )
    return httpx.URL(url).copy_merge_params(_signed(keys, encrypted)), envelope.encode()


async def check_url(keys: CallbackKeys, url: str, timeout: float) -> str:
    """'' when the receiver at ``url`` decrypted our ``echostr`` and answered it, else why not."""
    echo = str(secrets.randbelow(9 * 10**18) + 10**18)  # random digits, like WeChat Work's
    encrypted = exmailcrypt.encrypt(keys.aes_key, echo.encode(), keys.corpid)
    target = httpx.URL(url).copy_merge_params({**_signed(keys, encrypted), "echostr": encrypted})
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            response = await http.get(target, headers={"User-Agent": "Qiyou-Webhook/1"})
    except httpx.HTTPError as exc:
        return f"the URL could not be reached ({type(exc).__name__})"
    if not 200 <= response.status_code < 300:
        return f"the URL answered HTTP {response.status_code}"
    if response.text.strip() != echo:
        return "the URL did not answer the decrypted echostr (check the Token and EncodingAESKey)"
    return ""

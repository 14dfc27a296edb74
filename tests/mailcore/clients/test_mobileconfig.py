"""The Apple profile picks IMAP, else POP3, and refuses when nothing can be offered; the same
member gets the same payload UUIDs, another member other ones."""

from __future__ import annotations

import plistlib

import pytest

from mailcore.clients.endpoints import client_setup
from mailcore.clients.errors import SetupError, SetupErrorCode
from mailcore.clients.mobileconfig import profile
from mailcore.core.config import Settings

OFF = {"QIYOU_IMAP_PORT": "0", "QIYOU_IMAPS_PORT": "0"}


def mail_payload(env: dict[str, str], email: str = "bob@example.com") -> dict:
    setup = client_setup(Settings.from_env({"QIYOU_HOSTNAME": "mx.example.com", **env}))
    document = plistlib.loads(profile(setup, email=email, name="Bob", organization="Example"))
    (payload,) = document["PayloadContent"]
    return payload


def test_without_imap_the_account_is_pop3_over_tls():
    payload = mail_payload({**OFF, "QIYOU_PUBLIC_POP3S_PORT": "995"})

    assert payload["EmailAccountType"] == "EmailTypePOP"
    assert payload["IncomingMailServerPortNumber"] == 995
    assert payload["IncomingMailServerUseSSL"] is True


def test_with_only_starttls_ports_those_are_used_with_tls_on():
    payload = mail_payload({"QIYOU_IMAPS_PORT": "0", "QIYOU_SUBMISSIONS_PORT": "0"})

    assert payload["EmailAccountType"] == "EmailTypeIMAP"
    assert payload["IncomingMailServerPortNumber"] == 1143
    assert payload["OutgoingMailServerPortNumber"] == 5587
    assert payload["OutgoingMailServerUseSSL"] is True


def test_uuids_are_stable_per_member():
    assert mail_payload({})["PayloadUUID"] == mail_payload({})["PayloadUUID"]
    assert mail_payload({})["PayloadUUID"] != mail_payload({}, "eve@example.com")["PayloadUUID"]


@pytest.mark.parametrize(
    "env",
    [
        {**OFF, "QIYOU_POP3_PORT": "0", "QIYOU_POP3S_PORT": "0"},
        {"QIYOU_SUBMISSION_PORT": "0", "QIYOU_PUBLIC_SUBMISSIONS_PORT": "0"},
    ],
    ids=["no-incoming", "no-outgoing"],
)
def test_nothing_to_offer_is_refused(env):
    with pytest.raises(SetupError) as caught:
        mail_payload(env)

    assert caught.value.code == SetupErrorCode.NOT_OFFERED

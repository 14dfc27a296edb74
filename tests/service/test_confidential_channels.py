"""``confidentialChannels``: what the sender's compose is told about the server's code
channels for members (empty: internal recipients of confidential mail cannot open it)."""

from __future__ import annotations

from dataclasses import replace

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD

CHANNELS = "{ confidentialChannels }"
SMS = {"sms_secret_id": "id", "sms_secret_key": "key", "sms_app_id": "1400", "sms_template_id": "9"}
WECHAT = {"wechat_appid": "wx1", "wechat_secret": "s", "wechat_code_template": "tpl"}


async def test_the_channels_follow_the_servers_configuration(service):
    alice = await login(service.graphql_url, "alice@example.com", PASSWORD)
    assert (await alice.data(CHANNELS))["confidentialChannels"] == []

    settings = service.runtime.settings
    try:
        service.runtime.settings = replace(settings, **WECHAT)
        assert (await alice.data(CHANNELS))["confidentialChannels"] == ["WECHAT"]
        service.runtime.settings = replace(settings, **SMS, **WECHAT)
        assert (await alice.data(CHANNELS))["confidentialChannels"] == ["SMS", "WECHAT"]
        half = replace(settings, **{**SMS, "sms_template_id": ""})  # not usable without a template
        service.runtime.settings = half
        assert (await alice.data(CHANNELS))["confidentialChannels"] == []
    finally:
        service.runtime.settings = settings

    anonymous = await GraphQLClient(service.graphql_url).execute(CHANNELS)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

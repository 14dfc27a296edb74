"""Who may read /metrics and /health/ready (``api.routes_health.allowed``): the address rules a
loopback test client cannot reach, and the token."""

from __future__ import annotations

import pytest

from api.routes_health import allowed, networks
from mailcore.core.config import Settings

TOKEN = "s3cret-metrics-token"


def rule(**settings: object) -> tuple[Settings, list]:
    configured = Settings(**settings)  # type: ignore[arg-type]
    return configured, networks(configured)


def test_loopback_is_allowed_and_others_are_not():
    settings, allow = rule()
    assert allowed("127.0.0.1", "", settings, allow)
    assert allowed("::1", "", settings, allow)
    assert allowed("::ffff:127.0.0.1", "", settings, allow)
    assert not allowed("10.1.2.3", "", settings, allow)
    assert not allowed("2001:db8::1", "", settings, allow)
    assert not allowed(None, "", settings, allow)
    assert not allowed("not-an-address", "", settings, allow)


def test_metrics_allow_and_trusted_proxies_open_their_networks():
    settings, allow = rule(
        metrics_allow=("10.0.0.0/8", "2001:db8::/32"), trusted_proxies=("192.0.2.7",)
    )
    assert allowed("10.200.3.4", "", settings, allow)
    assert allowed("2001:db8::1", "", settings, allow)
    assert allowed("192.0.2.7", "", settings, allow)
    assert not allowed("192.0.2.8", "", settings, allow)
    assert not allowed("11.0.0.1", "", settings, allow)


def test_a_wildcard_proxy_setting_opens_nothing():
    settings, allow = rule(trusted_proxies=("*",))
    assert not allowed("203.0.113.9", "", settings, allow)


def test_token_opens_from_anywhere_and_a_wrong_one_is_refused_everywhere():
    settings, allow = rule(metrics_token=TOKEN)
    assert allowed("203.0.113.9", TOKEN, settings, allow)
    assert not allowed("203.0.113.9", "wrong", settings, allow)
    assert not allowed("127.0.0.1", "wrong", settings, allow)
    unset, allow_unset = rule()
    assert not allowed("203.0.113.9", TOKEN, unset, allow_unset)  # no token configured


def test_a_bad_network_is_named():
    with pytest.raises(ValueError, match="QIYOU_METRICS_ALLOW: '10.0.0.300/8'"):
        networks(Settings(metrics_allow=("10.0.0.300/8",)))

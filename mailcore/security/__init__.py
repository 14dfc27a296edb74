"""Login security: login events, IP allow-lists, throttling, second factors (WeChat QR, TOTP),
forced password changes. Every protocol signs members in through ``mailcore.security.login``."""

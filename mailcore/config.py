"""Settings read from environment variables (and CLI flags), with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

MB = 1024 * 1024


def parse_size(text: str) -> int:
    """Parse a human size such as ``500M``, ``2G``, ``1024`` (bytes) into bytes."""
    value = text.strip().upper().removesuffix("B")
    units = {"K": 1024, "M": MB, "G": 1024 * MB, "T": 1024 * 1024 * MB}
    if value and value[-1] in units:
        return int(float(value[:-1]) * units[value[-1]])
    return int(value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./var")
    host: str = "127.0.0.1"
    http_port: int = 8025
    smtp_port: int = 2525
    submission_port: int = 5587
    database_url: str = ""
    broadcast_url: str = "memory://"
    channel_prefix: str = "qiyou"  # pub/sub channel names start with this (share one Redis)
    hostname: str = "localhost"
    max_message_size: int = 50 * MB
    default_quota: int = 2 * 1024 * MB
    tls_cert: str = ""
    tls_key: str = ""
    production: bool = False
    session_days: int = 30
    restore_days: int = 30  # deleted members can be restored for this many days
    allowed_origins: tuple[str, ...] = ()
    public_url: str = ""  # base URL of the web app for links (SSO); default: the request's
    api_token_ttl: int = 7200  # open API access tokens, seconds
    api_rate_per_ip: int = 1200  # open API requests per minute per client IP
    api_rate_per_enterprise: int = 6000  # open API requests per minute per enterprise
    webhook_backoff: tuple[float, ...] = (10, 30, 120, 600, 1800, 7200)  # seconds between tries
    webhook_max_attempts: int = 7
    webhook_timeout: float = 10.0
    webhook_poll: float = 5.0  # seconds between scans of the webhook queue
    dns_servers: tuple[str, ...] = ()  # "ip[:port]" each; empty: the system resolver
    dns_timeout: float = 5.0  # seconds for one DNS lookup (all tries)
    wechat_api_url: str = "https://api.weixin.qq.com"  # WeChat code-to-session API base URL
    wechat_appid: str = ""  # the mini-program's AppID
    wechat_secret: str = ""  # the mini-program's AppSecret
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For is believed
    login_max_failures: int = 5  # failed logins per account and IP before a lockout
    login_ip_max_failures: int = 30  # failed logins per IP (any account) before a lockout
    login_window_minutes: int = 15  # failures are counted within this window
    login_lock_minutes: int = 15  # how long a lockout lasts
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'qiyou.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        get = env.get
        return cls(
            data_dir=Path(get("QIYOU_DATA_DIR", "./var")),
            host=get("QIYOU_HOST", "127.0.0.1"),
            http_port=int(get("QIYOU_HTTP_PORT", "8025")),
            smtp_port=int(get("QIYOU_SMTP_PORT", "2525")),
            submission_port=int(get("QIYOU_SUBMISSION_PORT", "5587")),
            database_url=get("DATABASE_URL", ""),
            broadcast_url=get("BROADCAST_URL", "memory://"),
            channel_prefix=get("QIYOU_CHANNEL_PREFIX", "qiyou"),
            hostname=get("QIYOU_HOSTNAME", "localhost"),
            max_message_size=parse_size(get("QIYOU_MAX_MESSAGE_SIZE", "50M")),
            default_quota=parse_size(get("QIYOU_DEFAULT_QUOTA", "2G")),
            tls_cert=get("QIYOU_TLS_CERT", ""),
            tls_key=get("QIYOU_TLS_KEY", ""),
            production=get("QIYOU_ENV", "development") == "production",
            session_days=int(get("QIYOU_SESSION_DAYS", "30")),
            wechat_api_url=get("QIYOU_WECHAT_API_URL", "https://api.weixin.qq.com").rstrip("/"),
            wechat_appid=get("QIYOU_WECHAT_APPID", ""),
            wechat_secret=get("QIYOU_WECHAT_SECRET", ""),
            trusted_proxies=tuple(
                p.strip() for p in get("QIYOU_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            login_max_failures=int(get("QIYOU_LOGIN_MAX_FAILURES", "5")),
            login_ip_max_failures=int(get("QIYOU_LOGIN_IP_MAX_FAILURES", "30")),
            login_window_minutes=int(get("QIYOU_LOGIN_WINDOW_MINUTES", "15")),
            login_lock_minutes=int(get("QIYOU_LOGIN_LOCK_MINUTES", "15")),
            restore_days=int(get("QIYOU_RESTORE_DAYS", "30")),
            allowed_origins=tuple(
                o.strip() for o in get("QIYOU_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
            dns_servers=tuple(
                s.strip() for s in get("QIYOU_DNS_SERVERS", "").split(",") if s.strip()
            ),
            dns_timeout=float(get("QIYOU_DNS_TIMEOUT", "5")),
            public_url=get("QIYOU_PUBLIC_URL", "").rstrip("/"),
            api_token_ttl=int(get("QIYOU_API_TOKEN_TTL", "7200")),
            api_rate_per_ip=int(get("QIYOU_API_RATE_PER_IP", "1200")),
            api_rate_per_enterprise=int(get("QIYOU_API_RATE_PER_ENTERPRISE", "6000")),
            webhook_backoff=tuple(
                float(s) for s in get("QIYOU_WEBHOOK_BACKOFF", "10,30,120,600,1800,7200").split(",")
            ),
            webhook_max_attempts=int(get("QIYOU_WEBHOOK_MAX_ATTEMPTS", "7")),
            webhook_timeout=float(get("QIYOU_WEBHOOK_TIMEOUT", "10")),
            webhook_poll=float(get("QIYOU_WEBHOOK_POLL", "5")),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values in ``changes`` applied (CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

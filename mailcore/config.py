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
    hostname: str = "localhost"
    max_message_size: int = 50 * MB
    default_quota: int = 2 * 1024 * MB
    tls_cert: str = ""
    tls_key: str = ""
    production: bool = False
    session_days: int = 30
    allowed_origins: tuple[str, ...] = ()
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
            hostname=get("QIYOU_HOSTNAME", "localhost"),
            max_message_size=parse_size(get("QIYOU_MAX_MESSAGE_SIZE", "50M")),
            default_quota=parse_size(get("QIYOU_DEFAULT_QUOTA", "2G")),
            tls_cert=get("QIYOU_TLS_CERT", ""),
            tls_key=get("QIYOU_TLS_KEY", ""),
            production=get("QIYOU_ENV", "development") == "production",
            session_days=int(get("QIYOU_SESSION_DAYS", "30")),
            allowed_origins=tuple(
                o.strip() for o in get("QIYOU_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values in ``changes`` applied (CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

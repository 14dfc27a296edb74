"""Container health check: exit 0 when this process's ``/health/live`` answers 200.

The port is ``QIYOU_METRICS_PORT`` when set (processes without the http role listen there),
else ``QIYOU_HTTP_PORT`` (default 8025). Standard library only: it runs in the slim image.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def health_url(env: dict[str, str]) -> str:
    port = env.get("QIYOU_METRICS_PORT") or env.get("QIYOU_HTTP_PORT") or "8025"
    return f"http://127.0.0.1:{port}/health/live"


def main() -> int:
    url = health_url(dict(os.environ))
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (loopback URL)
            return 0 if response.status == 200 else 1
    except (OSError, urllib.error.URLError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Mail-client login cost with app passwords: ``mailcore.security.login.authenticate``
(the check of SMTP AUTH, IMAP LOGIN and POP3 PASS) for a member with 0 and with 20 app
passwords, signing in with the main password, with an app password, and with a wrong one.

Each login does one argon2id check (the hasher of main passwords, ``mailcore/org/passwords``)
whatever the number of app passwords: an app-password-shaped password is first matched by
its 4-hex lookup, so only the (almost always none or one) app password with that lookup is
verified. Runs in process on a fresh SQLite database (tortoise, migrations as in production).

    .venv/bin/python bench/app_password_login.py [--logins 20]

Prints a line per case (median and p90 in ms) and a last line of JSON with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailcore.core.config import Settings  # noqa: E402
from mailcore.core.db import close_db, open_db  # noqa: E402
from mailcore.core.models import ClientKind, LoginThrottle  # noqa: E402
from mailcore.org.passwords import hash_password, verify_password  # noqa: E402
from mailcore.org.service import add_domain, add_member  # noqa: E402
from mailcore.security import apppasswords  # noqa: E402
from mailcore.security.errors import SecurityError  # noqa: E402
from mailcore.security.login import Attempt, authenticate  # noqa: E402

PASSWORD = "correct-horse-9"


async def timed(settings: Settings, email: str, password: str, n: int) -> list[float]:
    figures = []
    for _ in range(n):
        await LoginThrottle.all().delete()  # wrong attempts must not lock the bench out
        start = time.perf_counter()
        try:
            await authenticate(Attempt(email, password, ClientKind.IMAP, "127.0.0.1"), settings)
        except SecurityError:
            pass
        figures.append((time.perf_counter() - start) * 1000)
    return figures


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(values), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
    }


def print_line(key: str, results: dict[str, dict[str, float]]) -> None:
    figures = results[key]
    print(f"{key:48} median {figures['median_ms']:7.1f} ms  p90 {figures['p90_ms']:7.1f} ms")


async def run(logins: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"QIYOU_DATA_DIR": tmp})
        await open_db(settings)
        try:
            await add_domain("bench.example")
            results: dict[str, dict[str, float]] = {}
            reference = hash_password(PASSWORD)
            values = []
            for _ in range(logins):
                start = time.perf_counter()
                await verify_password(reference, PASSWORD)
                values.append((time.perf_counter() - start) * 1000)
            results["one argon2id verify (reference)"] = summary(values)
            print_line("one argon2id verify (reference)", results)
            for count in (0, 20):
                email = f"m{count}@bench.example"
                member = await add_member(email, PASSWORD, quota=1 << 30)
                made = [await apppasswords.create(member, f"c{i}") for i in range(count)]
                cases = {"main password": PASSWORD, "wrong app-shaped": "abcd efgh ijkl mnop"}
                if made:
                    cases["app password (last made)"] = made[-1].secret
                for case, password in cases.items():
                    key = f"{count} app passwords, {case}"
                    results[key] = summary(await timed(settings, email, password, logins))
                    print_line(key, results)
            return results
        finally:
            await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.logins))))


if __name__ == "__main__":
    main()

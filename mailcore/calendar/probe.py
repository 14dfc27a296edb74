"""Refusing recurrence rules that never (or almost never) repeat, before they are stored.

``dateutil`` (under ``recurring-ical-events``) looks for a rule's next occurrence without
any bound: for a rule no date satisfies (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31``) it walks
to the year 9999, seconds of CPU each time a range query meets the event. A new rule is
therefore tried first in a Python process of its own (~0.1 s): it must give its first two
occurrences (one if COUNT=1) within ``TIMEOUT`` seconds, else the process is killed and the
rule refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import date, datetime

TIMEOUT = 3.0
_PROGRAM = """
import itertools, sys
from datetime import datetime
from dateutil.rrule import rrulestr
rule, start, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
first = datetime.fromisoformat(start if len(start) > 10 else start + "T00:00:00")
print(len(list(itertools.islice(rrulestr(rule, dtstart=first), wanted))))
"""


async def repeats(rule: str, start: date | datetime, wanted: int = 2) -> bool:
    """Whether ``rule`` from ``start`` gives ``wanted`` occurrences in time."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _PROGRAM,
        rule,
        start.isoformat(),
        str(wanted),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return False
    try:
        return process.returncode == 0 and int(out.strip() or 0) >= wanted
    except ValueError:
        return False

"""Summarise a py-spy ``raw`` profile (collapsed stacks, ``--profile out.txt`` of the benches).

Prints the samples per thread, then for the chosen thread(s) the functions with the most
inclusive samples (on the stack) and the most self samples (top of the stack), as a share
of that thread's samples. ``--match`` keeps only frames whose text contains the string
(e.g. ``mailcore/`` for the server's own code).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _function(frame: str) -> str:
    """``func (path/file.py:123)`` → ``func (path/file.py)`` (lines folded together)."""
    m = _FRAME.match(frame.strip())
    return f"{m['func']} ({m['file']})" if m else frame.strip()


def load(path: Path) -> list[tuple[str, list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        thread, *frames = stack.split(";")
        thread = re.sub(r"^thread \(\d+\): ", "", thread)
        thread = re.sub(r"_\d+$", "_*", thread)  # worker pools as one
        stacks.append((thread, [_function(f) for f in frames], int(count)))
    return stacks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("profile", type=Path, help="py-spy raw output (collapsed stacks)")
    p.add_argument("--thread", default="MainThread", help="thread name prefix ('' for all)")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--match", default="", help="only frames containing this text")
    p.add_argument(
        "--share",
        default="",
        help="comma-separated substrings: share of the thread's busy samples with such a frame",
    )
    p.add_argument("--json", action="store_true", help="print one JSON line as well")
    args = p.parse_args(argv)

    stacks = load(args.profile)
    per_thread: Counter[str] = Counter()
    for thread, _, n in stacks:
        per_thread[thread] += n
    print("samples per thread:")
    for thread, n in per_thread.most_common():
        print(f"  {n:8d}  {thread}")

    chosen = [s for s in stacks if s[0].startswith(args.thread)]
    total = sum(n for _, _, n in chosen) or 1
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    for _, frames, n in chosen:
        for func in set(frames):
            if args.match in func:
                inclusive[func] += n
        if frames and args.match in frames[-1]:
            self_[frames[-1]] += n
    print(f"\nthread {args.thread or '(all)'}: {total} samples")
    print(f"\ninclusive (top {args.top}):")
    for func, n in inclusive.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {func}")
    print(f"\nself (top {args.top}):")
    for func, n in self_.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {func}")
    shares: dict[str, float] = {}
    if args.share:
        idle = ("EpollSelector.select", "_connection_worker_thread (aiosqlite/core.py")
        busy = [(f, n) for _, f, n in chosen if f and not f[-1].startswith(idle)]
        busy_total = sum(n for _, n in busy) or 1
        print(f"\nbusy samples (not waiting in select): {busy_total} of {total}")
        for pattern in (x for x in args.share.split(",") if x):
            hit = sum(n for f, n in busy if any(pattern in frame for frame in f))
            shares[pattern] = round(100 * hit / busy_total, 1)
            print(f"  {shares[pattern]:5.1f}%  frames with {pattern!r}")
    if args.json:
        print(
            json.dumps(
                {
                    "threads": dict(per_thread),
                    "busy_share_pct": shares,
                    "inclusive_pct": {
                        f: round(100 * n / total, 1) for f, n in inclusive.most_common(args.top)
                    },
                    "self_pct": {
                        f: round(100 * n / total, 1) for f, n in self_.most_common(args.top)
                    },
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

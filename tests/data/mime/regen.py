"""Write <case>.json (expected parse) beside every <case>.eml from the current parser output.

Run: .venv/bin/python tests/data/mime/regen.py [case ...]
Review every diff by hand before committing: the .json files are the golden truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from mailcore.core.mime.parse import parse_message  # noqa: E402
from mailcore.core.mime.types import Address, ParsedMessage  # noqa: E402

LONG_TEXT = 600


def _addr(a: Address | None) -> list[str] | None:
    return None if a is None else [a.name, a.address]


def expected(msg: ParsedMessage) -> dict[str, object]:
    """The golden-file view of a parse (what the corpus test compares)."""
    out: dict[str, object] = {
        "subject": msg.subject,
        "from": _addr(msg.from_),
        "to": [_addr(a) for a in msg.to],
        "cc": [_addr(a) for a in msg.cc],
        "date": msg.date.isoformat() if msg.date else None,
        "message_id": msg.message_id,
        "in_reply_to": msg.in_reply_to,
        "references": msg.references,
    }
    if len(msg.text) > LONG_TEXT:
        out["text_contains"] = [msg.text[:80], msg.text[-80:]]
    else:
        out["text"] = msg.text
    out["html_present"] = msg.html is not None
    out["attachments"] = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size, "inline": a.inline}
        for a in msg.attachments
    ]
    return out


def main(names: list[str]) -> None:
    for eml in sorted(HERE.glob("*.eml")):
        if names and eml.stem not in names:
            continue
        data = expected(parse_message(eml.read_bytes()))
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        eml.with_suffix(".json").write_text(text, encoding="utf-8")
        print("wrote", eml.with_suffix(".json").name)


if __name__ == "__main__":
    main(sys.argv[1:])

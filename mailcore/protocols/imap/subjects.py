"""The base subject of RFC 5256 §2.1 (what SORT SUBJECT and THREAD compare).

``base_subject("Re: [list] Fwd: Hello (fwd)")`` is ``("hello", True)``: the subject with
reply/forward leaders, ``(fwd)`` trailers, ``[fwd: …]`` wrappers and leading ``[blobs]``
removed, whitespace collapsed, case folded; True when something marked it as a reply or a
forward (THREAD's subject grouping needs to know).
"""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_TRAILER = re.compile(r"(?:\s|\(fwd\))+\Z", re.I)
_BLOB = r"\[[^\[\]]*\]"
_LEADER = re.compile(rf"\A(?:{_BLOB}\s*)*(?:re|fwd?)\s*(?:{_BLOB})?\s*:\s*", re.I)
_BLOB_START = re.compile(rf"\A{_BLOB}\s*")
_FWD_WRAP = re.compile(r"\A\[fwd:(.*)\]\Z", re.I | re.S)
MAX_ROUNDS = 100


def base_subject(subject: str) -> tuple[str, bool]:
    text = _WS.sub(" ", subject or "").strip()
    reply = False
    for _ in range(MAX_ROUNDS):
        trimmed = _TRAILER.sub("", text)
        if trimmed != text:
            reply = True
            text = trimmed
        while True:  # leaders and leading blobs, until neither changes the subject
            m = _LEADER.match(text)
            if m:
                text, reply = text[m.end() :], True
                continue
            m = _BLOB_START.match(text)
            if m and text[m.end() :].strip():
                text = text[m.end() :]
                continue
            break
        wrapped = _FWD_WRAP.match(text)
        if wrapped is None:
            break
        text, reply = wrapped.group(1).strip(), True
    return text.strip().casefold(), reply

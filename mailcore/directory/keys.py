"""The search key of a member: what directory search matches, computed once per change.

``张三 <zhangsan@x.com>`` gets ``zhangsan|zs|张三|zhangsan@x.com``: full pinyin, initials,
the name and the address, lowercase. The full pinyin comes first, so sorting by the key
lists members in pinyin order. The surname (first Han character) adds its other readings
(曾 → zeng as well as ceng), so people find colleagues the way they say their names.

Services that change a member's name or address set the key here; any other writer may
store an empty key, and ``fill_missing_keys`` computes it before the next search.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin, pinyin

from mailcore.core.models import Member

KEY_MAX = 1024
SEPARATOR = "|"
_WORDS = re.compile(r"[0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _words(chunk: str) -> list[str]:
    return _WORDS.findall(chunk.lower())


def _syllables(name: str) -> list[str]:
    return [s for s in lazy_pinyin(name, errors=_words) if s and s.strip()]


def search_key(name: str, email: str) -> str:
    name = name.strip().lower().replace(SEPARATOR, " ")
    syllables = _syllables(name)
    fulls = ["".join(syllables)]
    initials = ["".join(s[0] for s in syllables)]
    first = name[:1]
    if first and _HAN.match(first) and syllables:
        for reading in pinyin(first, style=Style.NORMAL, heteronym=True)[0]:
            fulls.append(reading + "".join(syllables[1:]))
            initials.append(reading[0] + initials[0][1:])
    parts = [*fulls, *initials, name, email.lower()]
    unique = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return SEPARATOR.join(unique)[:KEY_MAX]


def query_forms(query: str) -> list[str]:
    """What a typed query is matched as: itself, and without spaces (``zhang san``)."""
    q = query.strip().lower()
    forms = [q]
    if " " in q:
        forms.append(q.replace(" ", ""))
    return [f for f in forms if f]


async def fill_missing_keys(enterprise_id: int) -> None:
    """Compute the key of members whose key is empty (created or renamed elsewhere)."""
    rows = await Member.filter(enterprise_id=enterprise_id, search_key="").values_list(
        "id", "name", "email"
    )
    for pk, name, email in rows:
        await Member.filter(id=pk).update(search_key=search_key(name, email))

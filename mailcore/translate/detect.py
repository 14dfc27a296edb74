"""A small, cheap language guess for mail text: script ratios, then stopwords for Latin text.

Han/Kana/Hangul letters decide Chinese, Japanese and Korean; Latin text is English unless
the stopwords of another common European language clearly outnumber English ones. No model
and no dependency: it only has to keep Chinese (and obviously non-English) mail from being
"translated".
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[a-z\u00c0-\u024f']+")

_STOPWORDS = {
    "en": set(
        "the a an and or of to in on at for with is are was were be been it this that you your "
        "we our i me my he she they them his her not have has had do does will would can could "
        "please if as by from about any all there here what when which who thanks thank hello "
        "hi dear regards let know".split()
    ),
    "fr": set(
        "le la les des du un une et est sont pour avec dans sur que qui pas nous vous".split()
    ),
    "de": set("der die das und ist sind nicht mit für auf ein eine den dem wir sie ich zu".split()),
    "es": set("el la los las y es son para con en que por una un no nosotros usted del".split()),
    "pt": set("o a os as e é são para com em que por uma um não nós você do da".split()),
    "it": set("il lo la gli le e è sono per con che non una un noi voi del della".split()),
    "nl": set("de het een en is zijn niet met voor op wij jij ik van dat".split()),
}


def detect_language(text: str) -> str:
    """``zh``, ``ja``, ``ko``, ``en``, ``fr``, ``de``, ``es``, ``pt``, ``it``, ``nl``, or ``""``
    when the text has no letters at all."""
    sample = text[:20000]
    han = len(_HAN.findall(sample))
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    latin = len(_LATIN.findall(sample))
    cjk = han + kana + hangul
    if cjk + latin == 0:
        return ""
    # One Han character carries about as much as one Latin word (~5 letters).
    if cjk >= latin / 5:
        if hangul > han + kana:
            return "ko"
        return "ja" if kana * 5 > han else "zh"
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if best != "en" and scores[best] > 2 * max(scores["en"], 1):
        return best
    return "en"


def is_cjk_text(text: str) -> bool:
    """Whether a line is mostly Chinese/Japanese/Korean (kept as it is in a translation)."""
    return detect_language(text) in ("zh", "ja", "ko")

"""Kana to romaji (modified Hepburn), and keys that let one Japanese word written differently in
Latin letters meet ("Toukyou", "Tokyo", "Tôkyô"), or a katakana loanword meet its English
(パレス ~ palace). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from spider.resolve.normalize import fold

_DIGRAPHS = {
    "キャ": "kya",
    "キュ": "kyu",
    "キョ": "kyo",
    "シャ": "sha",
    "シュ": "shu",
    "ショ": "sho",
    "シェ": "she",
    "チャ": "cha",
    "チュ": "chu",
    "チョ": "cho",
    "チェ": "che",
    "ニャ": "nya",
    "ニュ": "nyu",
    "ニョ": "nyo",
    "ヒャ": "hya",
    "ヒュ": "hyu",
    "ヒョ": "hyo",
    "ミャ": "mya",
    "ミュ": "myu",
    "ミョ": "myo",
    "リャ": "rya",
    "リュ": "ryu",
    "リョ": "ryo",
    "ギャ": "gya",
    "ギュ": "gyu",
    "ギョ": "gyo",
    "ジャ": "ja",
    "ジュ": "ju",
    "ジョ": "jo",
    "ジェ": "je",
    "ヂャ": "ja",
    "ヂュ": "ju",
    "ヂョ": "jo",
    "ビャ": "bya",
    "ビュ": "byu",
    "ビョ": "byo",
    "ピャ": "pya",
    "ピュ": "pyu",
    "ピョ": "pyo",
    "ファ": "fa",
    "フィ": "fi",
    "フェ": "fe",
    "フォ": "fo",
    "フュ": "fyu",
    "ウィ": "wi",
    "ウェ": "we",
    "ウォ": "wo",
    "ヴァ": "va",
    "ヴィ": "vi",
    "ヴェ": "ve",
    "ヴォ": "vo",
    "ティ": "ti",
    "ディ": "di",
    "トゥ": "tu",
    "ドゥ": "du",
    "デュ": "dyu",
    "テュ": "tyu",
    "ツァ": "tsa",
    "ツィ": "tsi",
    "ツェ": "tse",
    "ツォ": "tso",
    "イェ": "ye",
    "クァ": "kwa",
    "クィ": "kwi",
    "クェ": "kwe",
    "クォ": "kwo",
    "グァ": "gwa",
}
_MONOGRAPHS = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヰヱヲン"
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮヵヶ",
        (
            "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he "
            "ho ma mi mu me mo ya yu yo ra ri ru re ro wa i e o n ga gi gu ge go za ji zu ze zo da "
            "ji zu de do ba bi bu be bo pa pi pu pe po vu a i u e o ya yu yo wa ka ke"
        ).split(),
        strict=True,
    )
)


_LETTER_NAMES = {
    "エー": "a",
    "エイ": "a",
    "ビー": "b",
    "シー": "c",
    "ディー": "d",
    "デー": "d",
    "イー": "e",
    "エフ": "f",
    "ジー": "g",
    "エイチ": "h",
    "エッチ": "h",
    "アイ": "i",
    "ジェー": "j",
    "ジェイ": "j",
    "ケー": "k",
    "ケイ": "k",
    "エル": "l",
    "エム": "m",
    "エヌ": "n",
    "オー": "o",
    "ピー": "p",
    "キュー": "q",
    "アール": "r",
    "エス": "s",
    "ティー": "t",
    "テー": "t",
    "ユー": "u",
    "ブイ": "v",
    "ヴィ": "v",
    "ダブリュー": "w",
    "ダブリュ": "w",
    "エックス": "x",
    "ワイ": "y",
    "ゼット": "z",
    "ズィー": "z",
    "アンド": "&",
}


def kana_letters(text: str) -> str:
    """Read a katakana spelling of Latin letters back: シーアールイー → 'cre', else ''."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for n in (5, 4, 3, 2):
            if text[i : i + n] in _LETTER_NAMES:
                out.append(_LETTER_NAMES[text[i : i + n]])
                i += n
                break
        else:
            return ""
    letters = "".join(out).replace("&", "")
    return letters if len(out) >= 2 else ""


@lru_cache(maxsize=100_000)
def kana_to_romaji(text: str) -> str:
    """Romanize kana (hiragana or katakana, any width) in modified Hepburn; other characters pass."""
    text = fold(text) if text else ""
    out: list[str] = []
    i, double = 0, False
    while i < len(text):
        pair, char = text[i : i + 2], text[i]
        if pair in _DIGRAPHS:
            roman, i = _DIGRAPHS[pair], i + 2
        elif char in _MONOGRAPHS:
            roman, i = _MONOGRAPHS[char], i + 1
        elif char == "ッ":
            double, i = True, i + 1
            continue
        elif char == "ー":
            i += 1
            if out and out[-1] and out[-1][-1] in "aeiou":
                out.append(out[-1][-1])
            continue
        else:
            roman, i = char, i + 1
        if double and roman and roman[0] not in "aeiou ":
            roman = ("t" if roman.startswith("ch") else roman[0]) + roman
        double = False
        if out and out[-1] == "n" and roman[:1] in ("a", "i", "u", "e", "o", "y"):
            out[-1] = "n'"  # keep ン+ア apart from ナ until the key drops the mark
        out.append(roman)
    return "".join(out).replace("n'", "n")


_VOWEL_RUNS = re.compile(r"([aeiou])\1+")


@lru_cache(maxsize=200_000)
def romaji_key(word: str) -> str:
    """Fold the ways one Japanese word is written in Latin letters onto one key.

    "Toukyou", "Tokyo", "Tôkyô" and "Tohkyoh" all give "tokyo"; "Shimbashi" meets "Shinbashi".
    (It is applied to every Latin token, English words too, so both sides fold alike.)
    """
    word = unicodedata.normalize("NFKD", word.casefold())
    word = "".join(c for c in word if c.isalnum() and not unicodedata.combining(c))
    word = word.replace("mb", "nb").replace("mp", "np").replace("mm", "nm")
    word = re.sub(r"(?<=[aeiou])h(?![aeiouy])", "", word)  # ohtsuka -> otsuka
    while True:
        folded = _VOWEL_RUNS.sub(r"\1", word.replace("ou", "o"))
        if folded == word:
            return word
        word = folded


_NOT_LETTER = re.compile(r"[^a-z]")
_SILENT_R = re.compile(r"(?<=[aeiou])r(?![aeiouy])")
_VOWELS_H = re.compile(r"[aeiouyh]")
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """A loose consonant skeleton so a katakana loanword meets its English (パレス ~ palace).

    Vowels go, l→r, v→b, th→s, ch→t, "tion"→"shon", a silent r before a consonant goes
    (スターツ ~ starts), doubled letters collapse: "erematekku" and "elematec" both give "rntk".
    """
    text = _NOT_LETTER.sub("", text.casefold())
    text = text.replace("tion", "shon").replace("ph", "f").replace("th", "s").replace("x", "ks")
    text = text.replace("ck", "k").replace("qu", "k").replace("ch", "t").replace("sh", "s")
    text = text.replace("tsu", "tu").replace("ts", "t").replace("dz", "z").replace("ji", "j")
    text = text.replace("ce", "se").replace("ci", "si").replace("cy", "sy")
    text = text.replace("ge", "je").replace("gi", "ji").replace("c", "k").replace("q", "k")
    text = _SILENT_R.sub("", text)
    text = text.replace("l", "r").replace("v", "b").replace("w", "")
    text = _VOWELS_H.sub("", text)
    return _DOUBLED.sub(r"\1", text)


_ROMAJI = re.compile(
    r"^(?:(?:sh|ch|ts|[kgsztdnhbpmrwfj])?y?[aeiou]|n|[kstpcgdbf](?=[kstpcgdbf]))+$"
)


@lru_cache(maxsize=200_000)
def is_romaji(word: str) -> bool:
    """Whether a Latin word could be Hepburn romaji ("kanematsu" yes; "palace", "trend" no)."""
    return bool(_ROMAJI.match(word))

"""Pure normalizers for names in any script and for hard keys. No I/O beyond the shipped dictionary.

Every function here is pure and idempotent: `f(f(x)) == f(x)`. Japanese names are folded to
katakana, stripped of legal forms (株式会社, (株), K.K., Co., Ltd. ...) wherever they stand, and
given a Latin "concept" form built from the readings the data carries (法人名ふりがな, ヨミ), a
katakana→romaji table and a small business-word dictionary (自動車 = motor, 銀行 = bank), so that
"トヨタ自動車株式会社" can meet "TOYOTA MOTOR CORPORATION" without a heavy romanizer.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Bumped whenever a change to these functions can change a stored name key or a resolution:
# a database written under another version is rebuilt from its records on next use.
NORMALIZE_VERSION = "2026-11-25"

__all__ = [
    "fold",
    "normalize_name",
    "split_tail",
    "strip_legal_forms",
    "compact",
    "name_tokens",
    "is_japanese",
    "kana_to_romaji",
    "romaji_key",
    "is_romaji",
    "skeleton",
    "concept_tokens",
    "latin_forms",
    "normalize_phone",
    "normalize_domain",
    "normalize_corporate_number",
    "normalize_postal_code",
    "normalize_address",
]

# ---------------------------------------------------------------------------------------------
# Folding

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_HIRA_TO_KATA = {c: c + 0x60 for c in range(_HIRA_START, _HIRA_END + 1)}
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_PUNCT_RE = re.compile(r"[^\w\u30fc]+", re.UNICODE)  # keep letters, digits, the long-vowel mark
_SPACES = re.compile(r"\s+")
_SPELLED = re.compile(r"\b[a-z](?: [a-z]\b)+")
_DOTTED = re.compile(r"\b(?:\w\.)+\w\b\.?")  # k.k., n.v., l.l.c., s.p.a.


_ACCENTED = re.compile(r"[\u00c0-\u024f]")


def _strip_accent(match: re.Match[str]) -> str:
    base = unicodedata.normalize("NFD", match.group(0))
    return "".join(c for c in base if not unicodedata.combining(c))


def fold(text: str | None) -> str:
    """NFKC, case-fold, hiragana→katakana, punctuation and brackets to spaces, spaces squeezed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    if not text.isascii():
        text = text.translate(_HIRA_TO_KATA)
        if _ACCENTED.search(text):  # société → societe; kana keep their voicing marks
            text = _ACCENTED.sub(_strip_accent, text)
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    # "k.k." -> "kk"; "n.v.philips" -> "nv philips" (a final dot still separates words)
    text = _DOTTED.sub(
        lambda m: m.group(0).replace(".", "") + (" " if m.group(0)[-1] == "." else ""), text
    )
    text = _PUNCT_RE.sub(" ", text).replace("_", " ")
    text = _SPACES.sub(" ", text).strip()
    if _SPELLED.search(text):  # "n v" -> "nv", "d s m" -> "dsm", "i p" -> "ip"
        text = _SPELLED.sub(_join_spelled, text)
    return text


# Legal forms written as spaced letters ("N. V."): kept apart from a spelled name before them,
# so "D S M N. V." folds to "dsm nv", not "dsmnv".
_SPELLED_LEGAL = ("sarl", "llc", "plc", "spa", "srl", "sas", "vof", "nv", "bv", "cv", "kk",
                  "sa", "lp", "sl", "sc")  # fmt: skip


def _join_spelled(match: re.Match[str]) -> str:
    joined = match.group(0).replace(" ", "")
    for form in _SPELLED_LEGAL:
        if len(joined) > len(form) + 1 and joined.endswith(form):
            return f"{joined[: -len(form)]} {form}"
    return joined


def is_japanese(text: str) -> bool:
    """True when the text holds kana or CJK ideographs."""
    return not text.isascii() and _JAPANESE_RE.search(text) is not None


def _is_kanji(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or c in "々〆ヶ"


def _is_katakana(c: str) -> bool:
    return "\u30a1" <= c <= "\u30fa" or c in "ーヽヾ"


# ---------------------------------------------------------------------------------------------
# Legal forms

# Japanese legal forms and their readings, stripped wherever they stand (longest first).
_JA_LEGAL = (
    "特定非営利活動法人",
    "地方独立行政法人",
    "独立行政法人",
    "国立大学法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社会福祉法人",
    "医療法人社団",
    "医療法人財団",
    "農業協同組合",
    "事業協同組合",
    "協同組合連合会",
    "投資法人",
    "医療法人",
    "学校法人",
    "宗教法人",
    "社会医療法人",
    "npo法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "相互会社",
    "協同組合",
    "(株)",
    "(有)",
    "(合)",
    "(同)",
    "(資)",
    "(名)",
    "(社)",
    "(財)",
    "(医)",
    "(学)",
    "(福)",
    "(特非)",
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "ゴウドウカイシャ",
    "ゴウシガイシャ",
    "ゴウメイガイシャ",
    "ソウゴガイシャ",
    "イッパンシャダンホウジン",
    "イッパンザイダンホウジン",
    "コウエキシャダンホウジン",
    "コウエキザイダンホウジン",
)
# Bracketed abbreviations ((株), ㈱ → "(株)") fold to a lone "株": they are stripped only as a
# token of their own, never as a character inside a name.
_JA_LEGAL_FOLDED = tuple(
    sorted(
        {fold(f).replace(" ", "") for f in _JA_LEGAL if not f.startswith("(")},
        key=len,
        reverse=True,
    )
)
_JA_BRACKETED = ("株", "有", "合", "同", "資", "名", "社", "財", "医", "学", "福", "特非")

# Latin legal forms as folded token sequences, longest first. Stripped at either end only.
_LATIN_LEGAL = sorted(
    {
        tuple(fold(form).split())
        for form in (
            "kabushiki kaisha",
            "kabushikigaisha",
            "kabushiki gaisha",
            "kabushikikaisha",
            "k.k.",
            "yugen kaisha",
            "godo kaisha",
            "co., ltd.",
            "co. ltd",
            "co ltd",
            "company limited",
            "company ltd",
            "co., limited",
            "co. inc",
            "co., inc.",
            "co",
            "company",
            "ltd",
            "ltd.",
            "limited",
            "inc",
            "inc.",
            "incorporated",
            "corp",
            "corp.",
            "corporation",
            "llc",
            "l.l.c.",
            "llp",
            "l.p.",
            "lp",
            "plc",
            "p.l.c.",
            "gmbh",
            "gmbh & co. kg",
            "gmbh & co kg",
            "ag",
            "kg",
            "kgaa",
            "se",
            "sa",
            "s.a.",
            "s.a.s.",
            "sas",
            "sarl",
            "s.a.r.l.",
            "s.p.a.",
            "spa",
            "srl",
            "s.r.l.",
            "nv",
            "n.v.",
            "bv",
            "b.v.",
            "cv",
            "c.v.",
            "vof",
            "v.o.f.",
            "ab",
            "a/s",
            "as",
            "asa",
            "oy",
            "oyj",
            "pty",
            "pty ltd",
            "pty. ltd.",
            "pte",
            "pte ltd",
            "pte. ltd.",
            "sdn bhd",
            "bhd",
            "berhad",
            "tbk",
            "pt",
            "ltda",
            "s.l.",
            "sl",
            "s.c.",
            "gk",
            "yk",
            "tk",
            "holding b.v.",
            "the",
            "naamloze vennootschap",
            "naamlooze vennootschap",  # the spelling before 1947, still on old filings
            "besloten vennootschap",
            "besloten vennootschap met beperkte aansprakelijkheid",
            "vennootschap onder firma",
            "aktiengesellschaft",
            "gesellschaft mit beschrankter haftung",
            "gesellschaft mit beschränkter haftung",
            "aktiebolag",
            "aktieselskab",
            "sociedad anonima",
            "sociedade anonima",
            "societa per azioni",
            "limited liability company",
            "limited liability partnership",
            "societe anonyme",
            "societe dite",  # French filings: "Société dite: X", the company called X
        )
    },
    key=len,
    reverse=True,
)
_GLUED_LEGAL = ("corporation", "incorporated", "limited", "gmbh")
# Tokens that are legal forms only at the very end or start ("the" only leads).
_LEADING_ONLY = {("the",)}
_TRAILING_ONLY = {("co",), ("company",)}
_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _form in _LATIN_LEGAL:  # longest first, as _LATIN_LEGAL is sorted
    if _form not in _LEADING_ONLY:
        _BY_LAST.setdefault(_form[-1], []).append(_form)
    if _form not in _TRAILING_ONLY:
        _BY_FIRST.setdefault(_form[0], []).append(_form)


def strip_legal_forms(folded: str) -> str:
    """Strip legal forms from a folded name, before or after it, longest first; never to nothing."""
    if not folded:
        return folded
    text = folded
    if is_japanese(text):
        squeezed = text
        squeezed = " ".join(t for t in squeezed.split() if t not in _JA_BRACKETED)
        for form in _JA_LEGAL_FOLDED:
            if form in squeezed.replace(" ", ""):
                squeezed = _remove_spaced(squeezed, form)
        text = _SPACES.sub(" ", squeezed).strip()
    tokens = text.split()
    while tokens:
        for form in _BY_LAST.get(tokens[-1], ()):
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                tokens = tokens[:-n]
                break
        else:
            for form in _BY_FIRST.get(tokens[0], ()):
                n = len(form)
                if len(tokens) > n and tuple(tokens[:n]) == form:
                    tokens = tokens[n:]
                    break
            else:
                break
    if tokens and not is_japanese(tokens[-1]):
        last = tokens[-1]
        for form in _GLUED_LEGAL:  # "suncorporation", "dentalincorporated"
            if last.endswith(form) and len(last) > len(form) + 2:
                tokens[-1] = last[: -len(form)]
                break
    result = " ".join(tokens)
    if result and _SPELLED.search(result):
        result = _SPELLED.sub(lambda m: m.group(0).replace(" ", ""), result)
    return result or folded


def _remove_spaced(text: str, form: str) -> str:
    """Remove `form` from text even when spaces split it ("株式会社 サカタ", "カブシキガイシャ　…")."""
    if form in text:
        return text.replace(form, " ")
    pattern = r"\s?".join(re.escape(c) for c in form)
    return re.sub(pattern, " ", text)


# Legal forms after which a Latin name may go on: "SARA LEE/DE N.V. TE UTRECHT" (its seat),
# "… ELECTRONICS N.V. GROENEWOUDSEWEG 1" (an address), "… CORP. - HOPE FOR YOUTH" (a site it
# runs). Only abbreviations written with their full stop ("Reno NV Casino" is in Nevada,
# "Studio LTD Edition" is a name), or GmbH and Bhd, which are nothing else; words that are also
# ordinary words (co, as, the, limited, spa) are not among them.
_LEGAL_MARK = re.compile(
    r"(?<![\w.])(?:n\.\s?v\.|b\.\s?v\.|k\.\s?k\.|inc\.|ltd\.|corp\.|l\.\s?l\.\s?c\.|p\.\s?l\.\s?c\."
    r"|gmbh\b\.?|bhd\b\.?)",
    re.IGNORECASE,
)
_LEGAL_SET = frozenset(_LATIN_LEGAL)
_ENDING_LEGAL = frozenset({"nv", "bv", "gmbh", "ltd", "inc", "llc", "plc", "corp", "kk", "bhd"})


_CUT_SHORT = frozenset({"n", "b"})  # the first letters of N.V. and B.V.
# Words a letter often follows as part of the name: "PLAN B", "TERMINAL B", "TOWER N".
_TAKES_A_LETTER = frozenset(
    """plan terminal tower building block wing gate unit suite hall annex floor level studio
    phase zone area section type class grade vitamin line route exit platform pier dock lot
    house room court""".split()
)


def _is_legal_form(folded: str) -> bool:
    """Whether a folded text is nothing but one legal form ("nv", "naamloze vennootschap")."""
    return tuple(folded.split()) in _LEGAL_SET


def _first_name(text: str) -> str:
    """Of several names in one field ("UNILEVER PLC; UNILEVER NV") the first; an HTML entity
    ("Barnes &amp; Noble") is read first, so its semicolon splits nothing."""
    if "&" in text:
        text = html.unescape(text)
    if ";" in text:
        first = text.split(";")[0]
        folded = fold(first)
        if folded and not _is_legal_form(folded):
            return first
    return text


_BRACKETED = re.compile(r"[(\[]([^()\[\]]{1,24})[)\]]")


def _drop_bracketed_legal(text: str) -> str:
    """A legal form in brackets inside a name goes: "PHILIPS' (N.V.) GLOEILAMPENFABRIEKEN"."""
    if "(" not in text and "[" not in text:
        return text
    return _BRACKETED.sub(
        lambda m: " " if _is_legal_form(fold(m.group(1))) else m.group(0), text
    )


@lru_cache(maxsize=200_000)
def _clean(text: str) -> str:
    """The raw name without what is not the name (a second name, a place, a bracketed form)."""
    return _drop_place_after_comma(_drop_bracketed_legal(_first_name(text)))


@lru_cache(maxsize=200_000)
def _folded(text: str) -> str:
    return fold(_clean(text))


def _drop_place_after_comma(text: str) -> str:
    """A place written after the legal form ("AKZO NOBEL N.V., ARNHEM, NL") goes with it."""
    if "," not in text or is_japanese(text):
        return text
    parts = text.split(",")
    for k, part in enumerate(parts[:-1]):
        words = tuple(fold(part).split())
        if k > 0 and words and any(words[-len(f) :] == f for f in _BY_LAST.get(words[-1], ())):
            return ",".join(parts[: k + 1])
        if (
            k == 0
            and len(words) > 1
            and any(
                words[-len(f) :] == f and len(words) > len(f) for f in _BY_LAST.get(words[-1], ())
            )
        ):
            return parts[0]
    return text


@lru_cache(maxsize=200_000)
def normalize_name(text: str | None) -> str:
    """The comparable form of a name: folded, legal forms stripped, spaces squeezed.

    A place written after the legal form ("AKZO NOBEL N.V., ARNHEM, NL") goes with it, and
    of several names in one field ("UNILEVER PLC; UNILEVER NV") the first is the name.
    """
    if not text:
        return ""
    # Never to nothing: "(N.V.)" alone stays "nv".
    return strip_legal_forms(_folded(str(text))) or strip_legal_forms(fold(str(text)))


def _seat_only(tail: list[str], name: list[str]) -> bool:
    """Whether the words after a legal form only place or repeat the company: an address with
    a house number, a country code, "te <place>", or the name's own initials ("(KPENV)")."""
    if not tail:
        return True
    if (tail[0] == "te" and len(tail) <= 3) or _is_legal_form(" ".join(tail)):
        return True
    initials = "".join(t[0] for t in name)
    if len(tail) == 1 and len(initials) >= 2 and tail[0].startswith(initials):
        return True
    return all(any(c.isdigit() for c in t) or len(t) == 2 for t in tail) or any(
        t.isdigit() for t in tail[1:]
    )


@lru_cache(maxsize=200_000)
def split_tail(text: str | None) -> tuple[str, bool]:
    """(the normalized name before its tail, whether the tail may name a site); ("", False)
    when the name has no tail.

    A tail follows a legal form inside the name ("DSM N.V. TE HEERLEN", "… N.V.
    GROENEWOUDSEWEG 1", "… Corp. - Hope for Youth"); in a name that opens with its legal form,
    it follows the first comma ("N.V. NUTRICIA, ZOETERMEER") or is a Dutch seat at the end
    ("N.V. … TE EINDHOVEN"); or it is a legal form cut short by a field's length ("AKZO NOBEL
    N"). A seat, an address or a cut legal form only places the company; other words may name
    a site it runs (Chicago's "… Corp. - Hope for Youth" and "… Corp. - Just For You" are two),
    so the resolver never lets two such sites meet on the part before their tails.
    """
    if not text:
        return "", False
    folded = _folded(str(text))
    tokens = folded.split()
    if len(tokens) < 2 or (
        tokens[-1] not in _CUT_SHORT
        and tokens[0] not in _BY_FIRST
        and _ENDING_LEGAL.isdisjoint(tokens[1:-1])
    ):
        return "", False  # every tail below needs one of these words where it stands
    if is_japanese(folded):
        return "", False
    if (tokens[-1] in _CUT_SHORT and len(tokens) >= 3 and str(text).isupper()
            and "," not in str(text) and tokens[-2] not in _TAKES_A_LETTER):  # fmt: skip
        # "AKZO NOBEL N" (N.V.), "DSM IP ASSETS B." (B.V.): a register's upper-case name cut
        # by its field. "Studio B", "BUILDING B" and a person's initial ("MASON, ROSWELL B.")
        # keep their letter.
        return strip_legal_forms(" ".join(tokens[:-1])), False
    cleaned = _clean(str(text)) if "." in str(text) or "gmbh" in folded or "bhd" in folded else ""
    mark = _LEGAL_MARK.search(cleaned) if cleaned else None
    if mark:
        head, tail = fold(cleaned[: mark.end()]), fold(cleaned[mark.end() :]).split()
        name = strip_legal_forms(head)
        if tail and name != head and not _is_legal_form(name):
            return name, not _seat_only(tail, name.split())
    for k in range(1, len(tokens) - 1):
        # Written without its stop, a legal form ends the name only before a seat or an
        # address: "UNILEVER NV (NL", but not "Reno NV Casino Hotel".
        if tokens[k] in _ENDING_LEGAL and _seat_only(tokens[k + 1 :], tokens[:k]):
            name = strip_legal_forms(" ".join(tokens[: k + 1]))
            if not _is_legal_form(name):
                return name, False
    if not any(tuple(tokens[: len(f)]) == f for f in _BY_FIRST.get(tokens[0], ())):
        return "", False
    text = str(text)
    if "," in text:
        head = fold(text.split(",")[0])
        if len(head.split()) > 1:
            return strip_legal_forms(head), False
    if len(tokens) >= 3 and "te" in tokens[-3:-1]:
        k = len(tokens) - 1 - tokens[::-1].index("te")
        if k >= 1:
            return strip_legal_forms(" ".join(tokens[:k])), False
    return "", False


def compact(name: str) -> str:
    """A normalized name without spaces (Japanese has none to trust)."""
    return name.replace(" ", "")


def name_tokens(name: str) -> list[str]:
    """Tokens of a normalized name; Japanese runs become character bigrams (no spaces to split on)."""
    out: list[str] = []
    for token in name.split():
        if is_japanese(token) and len(token) > 1:
            out.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.append(token)
    return out


# ---------------------------------------------------------------------------------------------
# Kana → romaji (modified Hepburn), and keys that let romaji written differently meet

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


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """A loose consonant skeleton so a katakana loanword meets its English (パレス ~ palace).

    Vowels go, l→r, v→b, th→s, ch→t, "tion"→"shon", a silent r before a consonant goes
    (スターツ ~ starts), doubled letters collapse: "erematekku" and "elematec" both give "rntk".
    """
    text = re.sub(r"[^a-z]", "", text.casefold())
    text = text.replace("tion", "shon").replace("ph", "f").replace("th", "s").replace("x", "ks")
    text = text.replace("ck", "k").replace("qu", "k").replace("ch", "t").replace("sh", "s")
    text = text.replace("tsu", "tu").replace("ts", "t").replace("dz", "z").replace("ji", "j")
    text = text.replace("ce", "se").replace("ci", "si").replace("cy", "sy")
    text = text.replace("ge", "je").replace("gi", "ji").replace("c", "k").replace("q", "k")
    text = re.sub(r"(?<=[aeiou])r(?![aeiouy])", "", text)
    text = text.replace("l", "r").replace("v", "b").replace("w", "")
    text = re.sub(r"[aeiouyh]", "", text)
    return re.sub(r"(.)\1+", r"\1", text)


_ROMAJI = re.compile(
    r"^(?:(?:sh|ch|ts|[kgsztdnhbpmrwfj])?y?[aeiou]|n|[kstpcgdbf](?=[kstpcgdbf]))+$"
)


@lru_cache(maxsize=200_000)
def is_romaji(word: str) -> bool:
    """Whether a Latin word could be Hepburn romaji ("kanematsu" yes; "palace", "trend" no)."""
    return bool(_ROMAJI.match(word))


# ---------------------------------------------------------------------------------------------
# The business-word dictionary: Japanese word | reading | English equivalents (first is canonical)


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], list[str]]:
    """(japanese→concept, japanese→readings, english word→concept, japanese words longest first)."""
    ja_concept: dict[str, str] = {}
    ja_readings: dict[str, list[str]] = {}
    en_concept: dict[str, str] = {}
    text = (Path(__file__).parent / "data" / "business_words.tsv").read_text("utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        if len(parts) != 3:
            continue
        words, readings, english = (p.split("|") for p in parts)
        concept = fold(english[0]).replace(" ", "_")
        for word in words:
            key = fold(word).replace(" ", "")
            ja_concept[key] = concept
            ja_readings.setdefault(key, [])
            ja_readings[key].extend(fold(r).replace(" ", "") for r in readings if r != "-")
        for word in english:
            en_concept.setdefault(fold(word), concept)
    # One concept per English word: 交通 "transportation" is the concept an earlier line gave
    # that word ("transport"), so 大和自動車交通 meets "Daiwa Motor Transportation".
    for key, concept in ja_concept.items():
        ja_concept[key] = en_concept.get(concept.replace("_", " "), concept)
    by_length = sorted(ja_concept, key=len, reverse=True)
    return ja_concept, ja_readings, en_concept, by_length


def _english_phrases() -> list[tuple[tuple[str, ...], str]]:
    return _english_phrase_table()


@lru_cache(maxsize=1)
def _english_phrase_table() -> list[tuple[tuple[str, ...], str]]:
    _, _, en_concept, _ = _dictionary()
    return sorted(((tuple(k.split()), v) for k, v in en_concept.items()), key=lambda x: -len(x[0]))


@lru_cache(maxsize=1)
def _max_phrase() -> int:
    return max((len(k.split()) for k in _dictionary()[2]), default=1)


@lru_cache(maxsize=1)
def _misspellings() -> dict[str, str]:
    """Every misspelling misspelt_concept reads → its concept, made once from the dictionary:
    a key of nine letters or more without one of its letters but the first, a key of six or
    more with one letter doubled, a key of seven or more with two neighbours (not the first
    letter) swapped. A misspelling two concepts share is left out."""
    out: dict[str, str] = {}
    clash: set[str] = set()

    def add(variant: str, concept: str) -> None:
        if out.get(variant, concept) != concept:
            clash.add(variant)
        out[variant] = concept

    for key, concept in _dictionary()[2].items():
        if len(key) < 6 or not key.isalpha():  # one word, no digits or hyphens
            continue
        for i in range(len(key)):
            add(key[: i + 1] + key[i] + key[i + 1 :], concept)  # "comppany"
            if i and len(key) >= 9:
                add(key[:i] + key[i + 1 :], concept)  # "electonics"
            if i and i + 1 < len(key) >= 7 and key[i] != key[i + 1]:
                add(key[:i] + key[i + 1] + key[i] + key[i + 2 :], concept)  # "reserach"
    for variant in clash:
        del out[variant]
    return out


@lru_cache(maxsize=1 << 16)
def misspelt_concept(word: str) -> str | None:
    """The concept of a dictionary word written with one letter missing, a letter doubled or
    two neighbours swapped ("electonics", "comppany", "reserach"), its first letter kept;
    never a substitution (shopping is not shipping), never a word that could be romaji
    (dainichi is not daiichi, kankyo not kanko). None when no single concept fits."""
    if len(word) < 7 or not word.isalpha() or is_romaji(word):
        return None
    return _misspellings().get(word)


@lru_cache(maxsize=200_000)
def concept_tokens(latin: str) -> tuple[str, ...]:
    """Map a normalized Latin name onto dictionary concepts and romaji keys, token by token.

    "toyota motors" and "toyota automobile" both give ("toyota", "motor").
    """
    tokens = latin.split()
    en_concept = _dictionary()[2]
    max_len = _max_phrase()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(max_len, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if phrase in en_concept:
                out.append(en_concept[phrase])
                i += n
                break
        else:
            token = tokens[i]
            out.append(misspelt_concept(token) or romaji_key(token))
            i += 1
    return tuple(t for t in out if t)


def _segments(name: str) -> list[tuple[str, str]]:
    """Split a folded Japanese name into (kind, text): dict words, katakana, kanji, latin runs."""
    _, _, _, by_length = _dictionary()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(name):
        char = name[i]
        if char == " ":
            i += 1
            continue
        hit = next((w for w in by_length if name.startswith(w, i) and _word_fits(name, i, w)), None)
        if hit:
            out.append(("dict", hit))
            i += len(hit)
            continue
        kind = _kind(char)
        j = i + 1
        while j < len(name) and name[j] != " " and _kind(name[j]) == kind:
            if any(name.startswith(w, j) and _word_fits(name, j, w) for w in by_length):
                break
            j += 1
        out.append((kind, name[i:j]))
        i = j
    return out


def _kind(char: str) -> str:
    return "kana" if _is_katakana(char) else "kanji" if _is_kanji(char) else "latin"


def _word_fits(name: str, start: int, word: str) -> bool:
    """A short katakana dictionary word inside a longer katakana word is not that word.

    ガス stands alone in 東京ガス but not in ラスベガス; words of three kana or more
    (ホテル, グループ, ホールディングス) are split out wherever they stand.
    """
    if not _is_katakana(word[0]) or len(word) >= 3:
        return True
    end = start + len(word)
    before = start > 0 and _is_katakana(name[start - 1])
    after = end < len(name) and _is_katakana(name[end])
    return not before and not after


def latin_forms(name: str, reading: str | None = None) -> list[tuple[str, ...]]:
    """The Latin concept forms of a normalized name (any script), using a kana reading when given.

    Latin names give their concept tokens. Japanese names are split into dictionary words
    (自動車 → motor), katakana (romanized) and kanji runs; a kanji run is read from `reading` by
    aligning the reading against the known parts. A kanji run that cannot be read yields no form.
    """
    if not name:
        return []
    if not is_japanese(name):
        return [concept_tokens(name)]
    ja_concept, ja_readings, _, _ = _dictionary()
    segments = _segments(name)
    unknown = [text for kind, text in segments if kind == "kanji"]
    readings_of_unknown: list[str] | None = []
    if unknown:
        readings_of_unknown = _align(segments, normalize_name(reading) if reading else "")
    if readings_of_unknown is None:
        return []
    out: list[str] = []
    unknown_iter = iter(readings_of_unknown)
    for kind, text in segments:
        if kind == "dict":
            out.append(ja_concept[text])
        elif kind == "kana":
            out.append(romaji_key(kana_to_romaji(text)))
        elif kind == "kanji":
            out.append(romaji_key(kana_to_romaji(next(unknown_iter))))
        elif kind == "latin":
            out.extend(concept_tokens(text))
    forms = [tuple(t for t in out if t)]
    spelled = [(kind, kana_letters(text)) for kind, text in segments]
    if any(kind == "kana" and letters for kind, letters in spelled):
        # シーアールイー is also "CRE": offer the spelled-out letters as a second form.
        alt = [
            letters if kind == "kana" and letters else token
            for (kind, letters), token in zip(spelled, out, strict=False)
        ]
        if len(out) == len(segments):
            forms.append(tuple(t for t in alt if t))
    return forms


def _align(segments: list[tuple[str, str]], reading: str) -> list[str] | None:
    """Read each kanji run off the whole reading: known parts anchor a regular expression."""
    reading = reading.replace(" ", "")
    if not reading or is_japanese(reading) is False:
        return None
    _, ja_readings, _, _ = _dictionary()
    parts: list[str] = []
    for kind, text in segments:
        if kind == "space":
            continue
        if kind == "dict":
            options = [r for r in ja_readings.get(text, []) if r] or [text]
            parts.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
        elif kind == "kana":
            parts.append(re.escape(text.replace("ー", "")).replace("ッ", "ッ?"))
        elif kind == "kanji":
            parts.append("(.+?)")
        else:
            parts.append("(?:.*?)")
    pattern = "^" + "".join(parts) + "$"
    match = re.match(pattern, reading.replace("ー", ""))
    if not match:
        return None
    return list(match.groups())


# ---------------------------------------------------------------------------------------------
# Hard keys

_DIGITS = re.compile(r"\D+")


def normalize_phone(text: str | None) -> str:
    """Digits of a phone number in national form: +81 3-1234-5678 → 0312345678; +1 → 10 digits.

    Extensions are dropped; fewer than six digits is no phone at all ('').
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.split(r"(?i)\s*(?:ext|x|内線|#)\.?\s*\d+\s*$", text)[0]
    digits = _DIGITS.sub("", text)
    if text.lstrip().startswith("+") or digits.startswith("00"):
        digits = digits.lstrip("0")
        if digits.startswith("81"):
            digits = "0" + digits[2:].lstrip("0")
    if len(digits) == 11 and digits.startswith("1") and not digits.startswith("10"):
        digits = digits[1:]  # North American trunk prefix
    return digits if len(digits) >= 6 else ""


def normalize_domain(text: str | None) -> str:
    """The registrable-looking host of a web address: 'https://www.Hilton.com/en/' → 'hilton.com'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split("@")[-1].split(":")[0]
    text = re.sub(r"^(?:www\d*|m)\.", "", text).strip(".")
    return text if "." in text else ""


def normalize_corporate_number(text: str | None) -> str:
    """A 13-digit 法人番号 (check digit verified), else ''. Other registers pass through as digits."""
    if not text:
        return ""
    digits = _DIGITS.sub("", unicodedata.normalize("NFKC", str(text)))
    if len(digits) != 13:
        return digits if len(digits) >= 6 and len(digits) != 13 else ""
    body = digits[1:]
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    check = 9 - total % 9
    return digits if int(digits[0]) == check else ""


def normalize_postal_code(text: str | None) -> str:
    """Postal code digits and letters: '〒100-0005' → '1000005'; 'sw1a 1aa' → 'SW1A1AA'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).replace("〒", "")
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


_STREET = {
    "street": "st",
    "st": "st",
    "avenue": "ave",
    "av": "ave",
    "ave": "ave",
    "boulevard": "blvd",
    "blvd": "blvd",
    "blv": "blvd",
    "road": "rd",
    "rd": "rd",
    "drive": "dr",
    "dr": "dr",
    "place": "pl",
    "pl": "pl",
    "lane": "ln",
    "ln": "ln",
    "court": "ct",
    "ct": "ct",
    "highway": "hwy",
    "hwy": "hwy",
    "parkway": "pkwy",
    "pkwy": "pkwy",
    "square": "sq",
    "suite": "ste",
    "ste": "ste",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "n": "n",
    "s": "s",
    "e": "e",
    "w": "w",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
    "丁目": "-",
    "番地": "-",
    "番": "-",
    "号": "",
}


@lru_cache(maxsize=200_000)
def normalize_address(text: str | None) -> str:
    """A comparable street address: folded, street words abbreviated, 丁目/番地 as hyphens."""
    folded = fold(text)
    if not folded:
        return ""
    folded = re.sub(r"(\d)(丁目|番地|番|号)", r"\1 ", folded)
    return " ".join(_STREET.get(t, t) for t in folded.split())

"""Names folded to a comparable form: case, width, kana, punctuation, legal forms, tails.

Every function here is pure and idempotent: `f(f(x)) == f(x)`. Japanese names are folded to
katakana and stripped of legal forms (株式会社, (株), K.K., Co., Ltd. ...) wherever they stand;
what follows a legal form inside a registry's name (a seat, an address) is told apart from the
name. Romanization lives in `kana`, the Latin concept forms in `concepts`, hard keys (phone,
domain, corporate number) in `keys`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from spider.runtime import lazy_pattern

# Bumped whenever a change to these functions can change a stored name key or a resolution
# (or a change elsewhere what the build reads from the same records: 2026-12-04, a CRM's
# account type no category, star classes in words as tiers, a street alone no town;
# 2026-12-05, phone keys as each country dials them, classification codes as kinds,
# 一般歯科・小児歯科 as two kinds): a database written under another version is rebuilt from
# its records on next use.
NORMALIZE_VERSION = "2026-12-05"

__all__ = ["fold", "normalize_name", "split_tail", "strip_legal_forms", "compact", "is_japanese"]

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
        for ja_form in _JA_LEGAL_FOLDED:
            if ja_form in squeezed.replace(" ", ""):
                squeezed = _remove_spaced(squeezed, ja_form)
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
        for glued in _GLUED_LEGAL:  # "suncorporation", "dentalincorporated"
            if last.endswith(glued) and len(last) > len(glued) + 2:
                tokens[-1] = last[: -len(glued)]
                break
    result = " ".join(tokens)
    if result and _SPELLED.search(result):
        result = _SPELLED.sub(lambda m: m.group(0).replace(" ", ""), result)
    return result or folded


def spoken_name(name: str) -> str:
    """The name a rep says on the phone: NAME without its legal form at either end
    ("Northcote Animal Hospital Pty Ltd", "Farmacia Sant Anna S.n.c.", "... & C. S.n.c.",
    "... S.A.S. di Bianchi Lucia"), and a Japanese facility without the corporation that
    runs it ("医療法人社団 白樺会 梅田白樺歯科クリニック" -> 梅田白樺歯科クリニック,
    トヨタ自動車株式会社 -> トヨタ自動車); as written otherwise, never nothing."""
    words = name.split()
    if is_japanese(name):
        return _spoken_japanese(name, words)
    if len(words) < 2:
        return name
    folded = [fold(w).replace(" ", "") for w in words]
    # A partnership's form and its partners after it: "Farmacia X S.A.S. di Bianchi Lucia"
    for i in range(2, len(words) - 1):
        if _DOTTED_FORM.fullmatch(words[i]) and folded[i + 1] in ("di", "de", "del", "dei"):
            words, folded = words[:i + 1], folded[:i + 1]
            break
    cut = False
    while len(words) > 1:
        last = folded[-1]
        if last in ("c", "co") and len(words) > 2 and words[-2] in ("&", "e"):
            words, folded = words[:-2], folded[:-2]  # "& C.": and partners
            cut = True
            continue
        size = next((len(f) for f in _BY_LAST.get(last, ()) if len(folded) > len(f)
                     and tuple(folded[-len(f):]) == f), 0) or \
            (1 if _DOTTED_FORM.fullmatch(words[-1]) else 0)
        if size == 1 and last in _WORD_FORMS and "." not in words[-1]:
            break  # "Elements Salon & Spa" (S.p.A. is written with its stops)
        if not size:
            break
        words, folded = words[:-size], folded[:-size]
        cut = True
    said = " ".join(words).rstrip(" ,")
    if not cut or (len(words) == 1 and len(said) <= 3 and not said.isupper()):
        return name  # ("Bar Co" is a name, not a bar)
    return said


# Legal forms that are also words a business name ends with, cut only when written with
# their stops (S.p.A., S.A., Co.): a salon's Spa, a Norwegian AS, a shop's Company.
_WORD_FORMS = frozenset({"spa", "sa", "as", "co", "company", "ag", "se", "ab", "oy", "sl",
                         "sc", "cv", "lp", "kg", "og", "ek"})
# A legal form written as dotted letters: S.n.c., S.A.S., S.p.A., S.r.l., B.V.
_DOTTED_FORM = lazy_pattern(r"(?:[A-Za-z]{1,2}\.){2,}")


def _spoken_japanese(name: str, words: list[str]) -> str:
    squeezed = [fold(w).replace(" ", "") for w in words]
    at = next((i for i, w in enumerate(squeezed[:-1])
               if any(form in w for form in _JA_LEGAL_FOLDED) or w in _JA_BRACKETED), None)
    if at is not None:
        # (the corporation's form, its own name, then the facility's: 社会福祉法人 ○○会 △△園)
        rest = words[at + 1:]
        if len(rest) >= 2 and rest[0].endswith(("会", "団")):
            rest = rest[1:]
        return " ".join(rest)
    if len(words) == 1:
        for form in _JA_LEGAL:
            if not form.startswith("(") and name != form and form in (name[:len(form)],
                                                                       name[-len(form):]):
                return name[len(form):] if name.startswith(form) else name[:-len(form)]
        # (株)ハウスメイト横浜, ㈱ハウスメイト, ハウスメイト横浜（有）: the form in brackets
        bracketed = _BRACKETED_FORM.fullmatch(unicodedata.normalize("NFKC", name))
        if bracketed:
            return bracketed.group(1) or bracketed.group(2)
    return name


_BRACKET = r"\((?:" + "|".join(_JA_BRACKETED) + r")\)"  # (株), (有) ...
_BRACKETED_FORM = lazy_pattern(rf"{_BRACKET}\s*(\S.*)|(\S.*?)\s*{_BRACKET}")


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
_LEGAL_MARK = lazy_pattern(
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

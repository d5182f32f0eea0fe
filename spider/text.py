"""Small text helpers every stage shares: the clock, scripts, display names and plurals.

Pure functions, no I/O. One definition of each: which characters are kanji or katakana, what
time it is, how a registry's upper-case name reads aloud, how a business noun takes a plural.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

# A Japanese postal code as written before an address ("〒530-0001"), NFKC text.
JP_POSTAL = re.compile(r"〒\s?(\d{3})\s?[-ー−‐]\s?(\d{4})")


def now_iso() -> str:
    """Now, in UTC, to the second: the one clock every table's timestamps come from."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------
# Scripts


def is_kanji(char: str) -> bool:
    """A CJK ideograph, or a mark written as one (々 repeat, 〆 shime)."""
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char in "々〆"


def is_katakana(char: str) -> bool:
    """Full-width katakana (ヶ included), the long-vowel mark ー and the iteration marks ヽ ヾ."""
    return "\u30a1" <= char <= "\u30fa" or char in "ーヽヾ"


def is_latin(text: str) -> bool:
    """No character from the CJK blocks (U+3000 and up): a name a Latin-script reader can say."""
    return all(ord(ch) < 0x3000 for ch in text)


def strip_accents(text: str) -> str:
    """TEXT without its combining accents (Köln -> Koln, panadería -> panaderia); letters
    that do not decompose (ß, Ł) stay."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# ---------------------------------------------------------------------------------------------
# Names as a rep reads them aloud

_KEEP_UPPER = frozenset({"NV", "BV", "AG", "SA", "KK", "LLC", "PLC", "USA", "UK", "JR", "IHI",
                         "HVAC", "CPA", "CPAS", "PLLC", "LLP"})
_LEGAL_CASE = {"CO": "Co", "LTD": "Ltd", "INC": "Inc", "CORP": "Corp", "LLC": "LLC",
               "PTE": "Pte", "PTY": "Pty", "BHD": "Bhd", "SDN": "Sdn", "GMBH": "GmbH"}
_SMALL_WORDS = frozenset({"of", "the", "and", "de", "at", "in", "on", "for", "by", "la", "le", "du",
                          # French, Spanish, Italian, German, Dutch: Selarl des Docteurs Roux et Faure
                          "des", "et", "les", "aux", "del", "los", "las", "y", "di", "da", "do",
                          "dos", "der", "die", "das", "und", "von", "zu", "am", "im", "van",
                          "den", "het", "en", "em", "na", "nas", "nos", "com", "sem",
                          # Italian: Farmacia Centrale dei Navigli, della Stazione degli Alpini
                          "dei", "degli", "della", "delle", "dello", "dal", "dalla", "dai",
                          "al", "alla", "alle", "ai", "agli", "e", "ed"})
# Short English words an all-capitals name spells that are not acronyms (NEC, UFJ, JR are).
_SHORT_WORDS = frozenset("""
art zoo inn spa bar pub car bus air sea sky bay oak elm sun old new big red top one two fun kid
kids toy boy men man war gun tea bee cat dog fox owl cow pig sky ice hot way hub lab law map
park lake hill city town farm mill fort port rock road age day eye pet vet dry rx elk
st dr mt ft ave san pit the via bon beau bel sol mar rio oro run sur pan sao pao dra sra sta
sto el al tap rei bom lar com boi sul luz paz mel cor fe don rey mi tu uno ole""".split())


# Hotel tiers in Japanese, for Japanese lines and reasons.
TIER_JA = {"five-star": "五つ星", "luxury": "ラグジュアリー", "upscale": "アップスケール",
           "midscale": "ミッドスケール", "business": "ビジネス", "budget": "格安", "capsule": "カプセル"}


def plural(count: int, one: str, many: str) -> str:
    """'1 company', '3 companies'."""
    return f"{count} {one if count == 1 else many}"


def readable_name(name: str) -> str:
    """'HONDA MOTOR CO., LTD.' -> 'Honda Motor Co., Ltd.'; acronyms (NEC, UFJ, TBK, JR) stay;
    a directory's all-lowercase 'arnie mortons of chicago' -> 'Arnie Mortons of Chicago'."""
    if name.isascii() and name.islower():
        words = name.split(" ")
        return " ".join(w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:]
                        for i, w in enumerate(words))
    if not is_latin(name) or not name.isupper() or len(name) <= 4:
        return name  # (a register's capitals with accents too: MARQUÉS DE CÁCERES)

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if match.start() and name[match.start() - 1] in "'’":
            return word.lower()  # McDONALD'S -> ...'s
        if word in _LEGAL_CASE:
            return _LEGAL_CASE[word]
        if match.start() and word.lower() in _SMALL_WORDS:
            return word.lower()  # MUSEUM OF ART -> Museum of Art
        if word.lower() in _SHORT_WORDS or not word.isascii() or (
                not match.start() and word.lower() in _SMALL_WORDS):
            # ART, ZOO, INN are words, not acronyms, as are SÃO and PÃO (an acronym has no
            # accent), and LOS or EL opening a name
            return word[0] + word[1:].lower()
        if name[match.end():match.end() + 2] in ("'S", "’S") and len(word) >= 3:
            return word[0] + word[1:].lower()  # JOE'S PIZZA: a name, not an acronym
        if len(word) <= 3 or word in _KEEP_UPPER:
            return word
        return word[0] + word[1:].lower()

    return _CAPITALS.sub(fix, name)


_CAPITALS = re.compile(r"[^\W\d_a-zß-ÿ]+")  # a run of capital letters, accented ones too


def titled_place(text: str) -> str:
    """A town a register writes in capitals or in lower case, as a place is written: 'RIO DE
    JANEIRO' -> 'Rio de Janeiro', 'frankfurt am main' -> 'Frankfurt am Main'."""
    words = text.title().split(" ")
    # (an ordinal stays as written: Paris's "6e" and "1er", not "6E" and "1Er"; "12th")
    return " ".join(w.lower() if (i and w.lower() in _SMALL_WORDS) or w[:1].isdigit() else w
                    for i, w in enumerate(words))


def display_names(row: dict[str, Any], language: str) -> dict[str, str]:
    """The name a rep reads aloud (English for English openers where one is known, the
    native one for Japanese) and the local-script name beside it."""
    names = [n for n in (row.get("name"), row.get("name_en"), row.get("name_local"),
                         row.get("legal_name")) if n]
    if not names:
        return {"name": f"#{row.get('id')}", "name_local": ""}
    # A register's half-width katakana (ﾍｱｰｻﾛﾝ) and full-width letters (ＡＢＣ) as a call list
    # shows them.
    names = [unicodedata.normalize("NFKC", n) for n in names]
    latin = [n for n in names if is_latin(n)]
    local = [n for n in names if not is_latin(n)]
    shown = (local or latin)[0] if language == "ja" else (latin or local)[0]
    other = next((n for n in (local if shown in latin else latin) if n != shown), "")
    return {"name": readable_name(shown), "name_local": other if shown in latin else ""}


# ---------------------------------------------------------------------------------------------
# Business nouns

# Nouns that name the business itself ("bank", "hotel", "museum"): pluralize them; any other
# label is an adjective or a field ("pharmaceuticals", "transport equipment") and takes
# "company".
ENTITY_NOUNS = frozenset("""
bank hotel reit airline insurer retailer restaurant railway railroad utility operator line house
maker manufacturer automaker carmaker brewer hospital school university club store shop agency
firm company carrier developer builder supplier distributor producer provider trust fund inn
hostel cafe bar bakery winery brewery clinic pharmacy museum gallery airport airfield heliport
base zoo aquarium garden center centre park library theater theatre cinema college academy
institute studio salon spa gym farm ranch mill factory plant mine port station market
supermarket mall dealer dealership garage office practice lab laboratory church temple shrine
venue arena stadium resort motel lodge campground pub diner bistro brasserie pizzeria
steakhouse grill kitchen izakaya ryokan nursery kindergarten home association society union
cooperative foundation charity council planetarium arboretum observatory marina hall brewpub
distillery dentist surgery chain consultancy bureau workshop
accountant attorney lawyer architect electrician plumber contractor physician doctor
advisor adviser agent hairdresser mechanic caterer roofer locksmith painter carpenter
optician takeaway photographer jeweller jeweler groomer
veterinarian optometrist orthodontist chiropractor physiotherapist therapist realtor notary
surveyor consultant florist butcher barber vet bistrot trattoria osteria
""".split())
_NO_SINGULAR = frozenset({"electronics", "logistics", "services", "goods", "lodging", "equipment",
                          "media", "analytics", "news", "aerospace", "apparel", "gas"})


def _plain_label(label: str) -> str:
    """A category label as words in a sentence: 'medium_airport' -> 'medium airport', 'Art
    Museum' -> 'art museum'; acronyms and mixed case ('Hotel & Resort REITs') are kept; of
    'Zoo, Aquarium or Wildlife Conservation' the first kind, 'Zoo'."""
    text = re.sub(r"[_]+", " ", (label or "").split(" (", 1)[0]).strip()
    # A business directory's heading, noun first ('Accountants-Certified Public', 'Attorneys-
    # Personal Injury', 'Dentists-Cosmetic'): said the other way round. (Not a hyphenated
    # word: 'Self-Storage', 'Bed-and-Breakfast'.)
    yp = re.fullmatch(r"([A-Za-z]+)-([A-Z][A-Za-z]*(?: [A-Za-z&]+)*)", text)
    if yp and (" " in yp.group(2) or yp.group(1).endswith("s")):
        text = f"{yp.group(2)} {yp.group(1)}"
    first = re.split(r",\s+|\s+or\s+", text)[0].strip()
    if first and first != text and first.split(" ")[-1].lower().rstrip("s") in ENTITY_NOUNS:
        text = first
    # A register's service label ("Care home service without nursing", "Restaurant with
    # rooms"): the kind of business it names, up to its last noun for one ("Care home").
    head = re.split(r"\s+(?:with|without|for|except|excluding|not)\s+", text, maxsplit=1)[0]
    words = head.split(" ")
    nouns = [i for i, w in enumerate(words)
             if _singular_noun(w.lower()) in ENTITY_NOUNS or w.lower() in ENTITY_NOUNS]
    # (cut only a clause or a service word after the noun: "Hotel booking software" is no
    # hotel, "Restaurant equipment repair" no restaurant)
    tail = {w.lower() for w in words[nouns[-1] + 1:]} if nouns else set()
    if nouns and (head != text or tail <= _LABEL_TAILS) and len(tail) <= 3 and not {
            "&", "and", "+", "/"} & {w.lower() for w in words[nouns[-1]:]}:
        text = " ".join(words[:nouns[-1] + 1])
    words = text.split(" ")
    if text.isupper() and any(len(w) > 4 for w in words):
        return text.lower()  # a register's capitals (PLUMBING), not an acronym (REIT)
    if re.search(r"[A-Z]{2}", text) or not text.isascii():
        return text
    if all(w[:1].isupper() or not w[:1].isalpha() or w.lower() in _SMALL_WORDS for w in words):
        return text.lower()  # Title Case of a column value, not proper nouns
    if words[0][1:].islower() and all(not any(c.isupper() for c in w) for w in words[1:]):
        return text[:1].lower() + text[1:]  # Sentence case: "Care home" in a sentence
    return text


# Words after a kind's noun that say nothing of the kind ("Care home service").
_LABEL_TAILS = frozenset({"service", "services", "activities", "activity", "provider",
                          "providers", "facility", "facilities", "business", "businesses"})


def plural_noun(noun: str) -> str:
    """An English noun's plural (bakery -> bakeries, clinic -> clinics, church -> churches)."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s")


# Nouns too general to say what a list is about ("company", "house", "line").
_GENERAL_NOUNS = frozenset({"company", "firm", "line", "house", "base", "office", "practice",
                            "operator", "provider", "trust", "fund", "plant", "port", "market"})


def _singular_noun(word: str) -> str:
    if word.endswith(("xes", "ches", "shes", "sses", "zes")) and len(word) > 4:
        return word[:-2]
    return word[:-3] + "y" if word.endswith("ies") else word.rstrip("s") if \
        word.endswith("s") and len(word) > 3 else word


def entity_noun(texts: Iterable[str]) -> str:
    """The kind of business a list's own words name, singular: 'london_restaurants.csv' ->
    'restaurant', "Kyoto's best inns" -> 'inn'; '' if none."""
    for text in texts:
        # The first kind of business the name says ("hotels_and_restaurants": hotels), but
        # a general noun with the word before it where there is one ("tx_bar_law_firms": law
        # firms, not bars; "dental_practices": dental practices).
        first, compound = "", ""
        words = re.findall(r"[a-z]+", (text or "").lower())
        for i, word in enumerate(words):
            one = _singular_noun(word)
            if one not in ENTITY_NOUNS:
                continue
            if one not in _GENERAL_NOUNS:
                first = first or one
                continue
            before = words[i - 1] if i else ""
            if (len(before) > 2 and _singular_noun(before) not in ENTITY_NOUNS
                    and one != "company" and not before.endswith("ed")):
                compound = f"{before} {one}"
        if compound or first:
            return compound or first
    return ""


def noun_forms(label: str, fallback: str = "") -> tuple[str, str]:
    """(singular, plural) noun phrases for a kind-of-business label; FALLBACK, a noun the
    list itself uses, follows a label that is no noun ("Indian" -> "Indian restaurants")."""
    text = _plain_label(label)
    if not text:
        return (fallback, plural_noun(fallback)) if fallback else ("company", "companies")
    words = text.split(" ")
    last = words[-1]
    stem = last[:-1] if last.endswith("s") and last.lower() not in _NO_SINGULAR else last
    if last.lower().endswith("ies"):
        stem = last[:-3] + "y"
    elif last.lower().endswith(("xes", "ches", "shes", "sses", "zes")):
        stem = last[:-2]  # (gearboxes: gearbox, not "gearboxe")
    if last.lower().endswith(("is", "us", "ss")) and stem.lower() not in ENTITY_NOUNS:
        stem = last  # no plural: "Bouchon lyonnais", not "lyonnai" (but bureaus: bureau)
    head = " ".join(words[:-1])
    if stem.lower() in ENTITY_NOUNS:
        one = " ".join(w for w in (head, stem) if w)
        many = plural_noun(one)  # (church: churches)
        return one, many
    adjective = " ".join(w for w in (head, stem) if w)
    if fallback and "," in adjective:
        # A column's code list is no adjective ("Public, 4-year or above colleges"): the
        # list's own noun alone reads as a person would say it ("colleges").
        return fallback, plural_noun(fallback)
    noun = fallback or "company"
    return f"{adjective} {noun}", f"{adjective} {plural_noun(noun)}"

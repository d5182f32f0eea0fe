"""Hard keys: phone numbers, web domains, corporate numbers (法人番号, check digit verified),
postal codes and street addresses in one comparable form each. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from spider.resolve.normalize import fold

_DIGITS = re.compile(r"\D+")


def normalize_phone(text: str | None) -> str:
    """Digits of a phone number as its own country dials it: +81 3-1234-5678 → 0312345678,
    +44 20 → 020, +61 3 → 03, +39 02 → 02; +1 → 10 digits.

    Extensions are dropped; fewer than six digits is no phone at all ('').
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.split(r"(?i)\s*(?:ext|x|内線|#)\.?\s*\d+\s*$", text)[0]
    digits = _DIGITS.sub("", text)
    # (a country code after a bracket too: "(+34) 915 74 31 90", as call lists write it)
    if text.lstrip().lstrip("([").lstrip().startswith("+") or digits.startswith("00"):
        digits = _national(digits.lstrip("0"))
    if len(digits) == 11 and digits.startswith("1") and not digits.startswith("10"):
        digits = digits[1:]  # North American trunk prefix
    return digits if len(digits) >= 6 else ""


# Country calling codes whose numbers are dialled at home with a trunk 0 before the area
# code (+44 20 -> 020, +61 3 -> 03, +49 30 -> 030, +81 3 -> 03), and those written at home
# with exactly the digits that follow the code (+39 02 -> 02, +34 91 -> 91, +55 11 -> 11,
# +1 212 -> 212). A code in neither (a trunk 8 or 06: Russia, Hungary) stays international.
_TRUNK_ZERO = frozenset({
    "20", "27", "31", "32", "33", "40", "41", "43", "44", "46", "49", "51",
    "60", "61", "62", "63", "64", "66", "81", "82", "84", "86", "90", "91", "92", "94", "98",
    "212", "216", "234", "254", "353", "358", "359", "380", "381", "385", "386", "387", "389",
    "880", "886", "961", "962", "963", "964", "966", "971", "972"})
_AS_DIALLED = frozenset({
    "1", "30", "34", "39", "45", "47", "48", "52", "55", "56", "65", "350", "351", "352", "354",
    "356", "357", "371", "372", "376", "377", "420", "421", "852", "853", "974"})


def _national(digits: str) -> str:
    """An international number's digits (without +) as its own country dials them."""
    for size in (1, 2, 3):
        code = digits[:size]
        rest = digits[size:]
        if code == "86" and rest[:1] == "1" and len(rest) == 11:
            return rest  # (a Chinese mobile is dialled without the trunk 0)
        if code in _TRUNK_ZERO:
            return "0" + rest.lstrip("0")  # (+44 (0)20 ... as 020 ...)
        if code in _AS_DIALLED:
            return digits if code == "1" else rest
    return digits


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


# Hosts many unrelated businesses have pages on: a link there is no business's own site.
SHARED_HOSTS = frozenset({
    "facebook.com", "instagram.com", "twitter.com", "x.com", "linkedin.com", "youtube.com",
    "sites.google.com", "google.com", "goo.gl", "business.site", "wixsite.com", "wordpress.com",
    "blogspot.com", "yelp.com", "tripadvisor.com", "linktr.ee", "squarespace.com", "weebly.com",
    "jimdo.com", "tabelog.com", "hotpepper.jp", "ameblo.jp", "note.com", "line.me"})

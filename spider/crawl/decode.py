"""A page's bytes to text: BOM, the Content-Type charset, a meta tag, then sniffing (Shift_JIS
and EUC-JP pages are common in Japan; a wrong label is too)."""

from __future__ import annotations

import re

_CHARSET_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "cseucpkdfmtjapanese": "euc_jp",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.I)


def _codec(label: str | None) -> str | None:
    """Map a charset label to a Python codec (Shift_JIS means CP932 on the web, as in WHATWG)."""
    if not label:
        return None
    label = label.strip().lower()
    codec = _CHARSET_ALIASES.get(label, label)
    try:
        "".encode(codec)
    except LookupError:
        return None
    return codec


def _japanese_score(text: str) -> float:
    """Share of characters typical of Japanese text; mis-decodings score low (half-width kana, PUA)."""
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if (
            0x3040 <= o <= 0x30FF
            or 0x4E00 <= o <= 0x9FFF
            or 0x3000 <= o <= 0x303F
            or 0xFF01 <= o <= 0xFF5E
        ):
            good += 1
        else:
            bad += 1
    return good / (good + bad) if good + bad else 1.0


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: BOM, then the Content-Type charset, then a meta tag, then sniffing.

    Returns (text, codec). Sniffing tries UTF-8, then CP932 and EUC-JP (whichever reads as more
    Japanese-looking text), then charset-normalizer; it never raises.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace"), "utf-8"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace"), "utf-16"
    declared = None
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        declared = _codec(header.group(1)) if header else None
    if declared is None:
        meta = _META_CHARSET.search(body[:4096])
        declared = _codec(meta.group(1).decode("ascii", "ignore")) if meta else None
    if declared is not None:
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # a wrong label is common: sniff instead
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    fits = []
    for codec in ("cp932", "euc_jp"):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        fits.append((_japanese_score(text), codec, text))
    if fits:
        _, codec, text = max(fits)
        return text, codec
    # charset-normalizer (shipped with requests) is loaded only for the rare file it must guess.
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is not None:
        return str(best), best.encoding
    codec = declared or "utf-8"
    return body.decode(codec, errors="replace"), codec

"""The words entity resolution weighs: common words that say what kind of organisation a name
is (not which one), place words directories drop, outlet words, designations, hotel words.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import Indel

from spider.resolve.concepts import japanese_words

COMPANY_FIELDS = (
    "name", "name_local", "name_en", "name_kana", "legal_name", "corporate_number", "category",
    "brand", "group", "address", "district", "city", "region", "country", "postal_code", "lat",
    "lon", "phone", "website", "description", "employees",
)  # fmt: skip

# Words that say what kind of organisation a name is, not which one: they count for little.
COMMON_WORDS = frozenset(
    """hotel hotels inn resort resorts group holdings holding the and of de la le company
    international japan tokyo services service center centre ホテル グループ 株式会社
    industry industries trading bank motor electric chemical pharmaceutical construction
    real_estate corporation systems foods airlines shipping railway insurance securities
    hostel ryokan spa tower plaza grand new east west north south central general""".split()
)
COMMON_WEIGHT = 0.3
# Place words a directory often leaves out ("Mandarin Oriental" for "Mandarin Oriental, Tokyo"):
# missing on one side they cost little. A district (Odaiba, Ginza) is not here: it tells
# two hotels of one brand apart.
PLACE_WORDS = frozenset(
    """tokyo japan osaka kyoto yokohama nagoya kobe sapporo fukuoka 東京 日本 東京都 大阪
    chicago il ny usa us""".split()
)
PLACE_WEIGHT = 0.3
# Words that name a venue inside a site: a hotel's cafe, its dining room and its bar share one
# address and switchboard but are different places to call. Names that each carry one the other
# lacks are kept out of an automatic match whatever the phone and address say.
OUTLET_WORDS = frozenset(
    """cafe bar lounge grill dining restaurant bistro brasserie buffet spa pub tavern""".split()
)
# Predicates a company carries or drops without becoming another company: the Dutch
# "Koninklijke" (Royal, granted by the Crown). "Koninklijke Philips" is Philips, and filings
# spell the word a dozen ways (koninklije, koniklijke, koninkl.). Shared, it counts as little as
# a common word; missing from one name, as little as a legal form: nothing.
DESIGNATION_WORDS = ("koninklijke", "koninklijk")
DESIGNATION_PREFIXES = ("konink", "koninkl")  # not "kon": Kohn and Koon fold to it
DESIGNATION_WEIGHT = 0.0  # like a legal form, which is stripped: nothing when one name lacks it


@lru_cache(maxsize=1 << 16)
def is_designation(token: str) -> bool:
    if token in DESIGNATION_PREFIXES or token in DESIGNATION_WORDS:
        return True
    return len(token) >= 8 and any(
        Indel.normalized_similarity(token, word) >= 0.8 for word in DESIGNATION_WORDS
    )


HOTEL_WORDS = ("hotel", "hostel", "ryokan", "inn", "motel", "guest_house", "guesthouse",
               "apartment", "resort", "ホテル", "旅館", "ホステル", "宿")  # fmt: skip


# The Japanese dictionary words of the common and place words, longest first.
COMMON_JA = japanese_words(COMMON_WORDS | PLACE_WORDS)
PLACE_JA = japanese_words(PLACE_WORDS)

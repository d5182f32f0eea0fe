"""Property identity: links records of the same hotel property across scripts and lists.

A seam for the resolver (spider.dedupe.resolve_companies): `property_links` returns scored
pairs of row indexes that the clustering treats like any other scored pair (so keep-apart
decisions, class and corporate-number checks still apply).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def property_links(rows: Sequence[dict[str, Any]]) -> list[tuple[int, int, float, str]]:
    """Scored (i, j, score, why) pairs of rows that are the same property. None yet."""
    return []

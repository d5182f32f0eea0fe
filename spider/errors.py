"""The error hierarchy: the CLI turns each into one line that names the culprit and what to try."""

from __future__ import annotations


class SpiderError(Exception):
    """A user-facing problem. The message names the file, row or URL and says what to do."""


class InputError(SpiderError):
    """A seed file, mapping, recipe or option that cannot be used as given."""


class QueryError(SpiderError):
    """A query that names nothing known, or names several things and needs a choice."""

    def __init__(self, message: str, *, candidates: list[dict] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class FetchError(SpiderError):
    """A URL that could not be fetched politely (robots, scope, size, network)."""


class DatabaseError(SpiderError):
    """A database that cannot be opened or is not a Spider database."""


class ResolveError(SpiderError):
    """A merge, split or review request that names no company or record."""

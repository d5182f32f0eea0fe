"""URLs as the crawler sees them: one normal form, the scope a crawl may not leave, and which
links are worth a request at all."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

_SKIP_LINK_EXT = (
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".svg",
    ".webp",
    ".zip",
    ".gz",
    ".xls",
    ".xlsx",
    ".csv",
    ".doc",
    ".docx",
    ".ppt",
    ".pptx",
    ".mp3",
    ".mp4",
    ".css",
    ".js",
    ".ico",
    ".xml",
    ".json",
    ".txt",
)


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port and the fragment, '/' for an empty path."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


@dataclass
class Scope:
    """Where the crawler may go: one host, and list pages under one path prefix."""

    host: str
    prefix: str = "/"

    @classmethod
    def for_start(cls, url: str, prefix: str | None = None) -> Scope:
        parts = urlsplit(url)
        if prefix is None:
            prefix = parts.path[: parts.path.rfind("/") + 1] or "/"
        return cls(parts.netloc.lower(), prefix if prefix.startswith("/") else "/" + prefix)

    def allows(self, url: str, *, detail: bool = False) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return False
        return detail or (parts.path or "/").startswith(self.prefix)

    def __str__(self) -> str:
        return f"{self.host}{self.prefix}"


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the key robots.txt rules are kept under."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def absolute_url(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL without fragment, or None for mailto:, javascript:, tel: and the like."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    url = urldefrag(urljoin(base, href))[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


def looks_like_page(url: str) -> bool:
    """False for links that are obviously not HTML (PDF, images, archives): never worth a request."""
    return not urlsplit(url).path.lower().endswith(_SKIP_LINK_EXT)

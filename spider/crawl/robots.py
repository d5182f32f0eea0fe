"""robots.txt per RFC 9309: parse the group that applies to our product token, and match paths
(longest pattern wins; on a tie, allow). Pure: fetching and caching it is `spider.crawl.fetch`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

ROBOTS_MAX_AGE = 24 * 3600  # RFC 9309 2.4: do not use a cached robots.txt for more than 24 hours
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
ROBOTS_SKIP = "disallowed by robots.txt"  # why a page was not fetched

_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm_path(path: str) -> str:
    """RFC 9309 2.2.2: percent-encode non-ASCII, decode escapes of unreserved characters."""

    def unescape(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    path = re.sub(r"%([0-9A-Fa-f]{2})", unescape, path)
    return "".join(c if ord(c) < 128 else quote(c, safe="") for c in path)


@dataclass
class Robots:
    """The rules of the group that applies to our product token (or '*')."""

    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, normalized pattern)
    crawl_delay: float | None = None
    disallow_all: bool = False
    status: int = 200
    _compiled: list[tuple[bool, int, re.Pattern]] | None = None

    def allowed(self, url: str) -> bool:
        """Longest matching pattern wins; on a tie, allow wins. /robots.txt is always allowed."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return True
        if self.disallow_all:
            return False
        if self._compiled is None:
            self._compiled = [(allow, len(p), _pattern_regex(p)) for allow, p in self.rules]
        target = _norm_path(path + (f"?{parts.query}" if parts.query else ""))
        best: tuple[int, bool] | None = None
        for allow, length, regex in self._compiled:
            if regex.match(target) and (best is None or (length, allow) > best):
                best = (length, allow)
        return True if best is None else best[1]


def _pattern_regex(pattern: str) -> re.Pattern:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""), re.S)


def product_token(user_agent: str) -> str:
    """'SpiderBot/0.1 (+https://...)' -> 'spiderbot'."""
    match = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return match.group(0).lower() if match else "*"


def parse_robots(text: str, token: str) -> Robots:
    """Parse robots.txt for one product token: merge every group naming it, else the '*' groups."""
    groups: list[tuple[list[str], list[tuple[bool, str]], list[float]]] = []
    current: tuple[list[str], list[tuple[bool, str]], list[float]] | None = None
    in_agents = False
    for raw in re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")):
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower().replace(" ", "-").replace("_", "-")
        if key in ("user-agent", "useragent"):
            if not in_agents or current is None:
                current = ([], [], [])
                groups.append(current)
            match = re.match(r"[A-Za-z_*-]+", value)
            current[0].append(match.group(0).lower() if match else value.lower())
            in_agents = True
            continue
        in_agents = False
        if current is None:
            continue  # rules before any user-agent line belong to no group
        if key in ("allow", "disallow") and value:
            pattern = value if value.startswith(("/", "*")) else "/" + value
            current[1].append((key == "allow", _norm_path(pattern)))
        elif key == "crawl-delay":
            try:
                current[2].append(float(value))
            except ValueError:
                pass
    token = token.lower()
    chosen = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
    rules = [rule for g in chosen for rule in g[1]]
    delays = [d for g in chosen for d in g[2]]
    return Robots(rules=rules, crawl_delay=max(delays) if delays else None)

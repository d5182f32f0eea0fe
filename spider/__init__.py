"""Spider: find a won client's direct competitors, ranked, explained and ready to call."""

from __future__ import annotations

__version__ = "0.1.0"

"""Data files shipped with Spider (see README.md here for their sources and licences)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def read_text(name: str) -> str:
    """One of the files beside this module, as text. (A plain path, not importlib.resources:
    the package is always installed as files, and `spider expand` need not import zipfile.)"""
    return (HERE / name).read_text(encoding="utf-8")

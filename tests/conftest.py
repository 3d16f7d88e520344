"""Shared fixtures: where ../shared is, and a fresh SQLite store per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
REAL = SHARED / "real"


@pytest.fixture
def store(tmp_path):
    from crawler.store import Store

    s = Store(tmp_path / "nianbao.db")
    yield s
    s.close()


def seed_path(prefix: str) -> Path:
    """The seed file whose name starts with ``prefix`` (e.g. "000")."""
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert matches, f"seed {prefix} not found in {SEEDS}"
    return matches[0]

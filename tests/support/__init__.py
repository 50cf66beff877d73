"""Helpers the levels share: plain functions, classes and constants, never fixtures
(fixtures live in the conftest.py of the level that uses them, or in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
EVENTS = TESTS / "events"

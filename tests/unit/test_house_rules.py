"""The house's rules a tool can check (the import contracts are import-linter's, in
`make lint`): no module of the shipped code grows past 400 lines."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def test_no_module_that_ships_is_over_400_lines() -> None:
    shipped = [ROOT / "wsgi.py", ROOT / "triggers.py", *sorted((ROOT / "proxy_app").rglob("*.py"))]
    long = {
        str(path.relative_to(ROOT)): lines
        for path in shipped
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}

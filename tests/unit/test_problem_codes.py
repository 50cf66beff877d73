"""Every problem code is named once (proxy_app/http/codes.py) and documented in the README's
table of errors; no code is spelled anywhere else in the shipped code."""

from __future__ import annotations

import re
from pathlib import Path

from proxy_app.http import codes

ROOT = Path(__file__).resolve().parents[2]


def _readme_codes() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    errors = readme.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in errors.splitlines() if line.startswith("| ") and "---" not in line]
    # The last column: the code(s), and in brackets what comes with them (a header, reason).
    cells = [re.sub(r"\(with [^)]*\)", "", row.split("|")[-2]) for row in rows[1:]]
    return {code for cell in cells for code in re.findall(r"`([A-Z][A-Za-z]+)`", cell)}


def test_the_readme_documents_every_code_and_no_other() -> None:
    assert _readme_codes() == set(codes.TITLES)


def test_no_code_is_spelled_outside_the_codes_module() -> None:
    spelled = []
    for path in sorted((ROOT / "proxy_app").rglob("*.py")):
        if path.name == "codes.py":
            continue
        text = path.read_text()
        for code in codes.TITLES:
            if re.search(rf"[\"']{code}[\"']", text):
                spelled.append(f"{path.relative_to(ROOT)}: {code}")
    # openapi.py names status 403 "Forbidden" as HTTP's reason phrase, not as a code.
    assert spelled == ["proxy_app/http/openapi.py: Forbidden"]

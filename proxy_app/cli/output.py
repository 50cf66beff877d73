"""What the commands print and write: tables, columns, JSON, one line per change, and files
that appear whole or not at all.

Everything shown comes from users, groups, Cognito or the legacy store, so it goes
through `shown` (or, in JSON, `print_json`'s escaping) before it reaches a terminal.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

# What a terminal would act on rather than show, in a user's data: C0 controls (a tab or
# a new line too, which would break a table), DEL, C1 controls (CSI, OSC, ...), and the
# bidirectional controls that reorder what follows them.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In JSON: what json.dumps leaves as it is with ensure_ascii=False (it escapes C0 itself).
_UNPRINTABLE_IN_JSON = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(value: object) -> str:
    """A value as a terminal may print it: every control character as an escape (`\\x1b`)."""
    return _UNPRINTABLE.sub(_escape, str(value))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def print_table(rows: list[tuple[str, object]]) -> None:
    """Print labels and their values, the values aligned."""
    shown_rows = [(shown(label), shown(value)) for label, value in rows]
    width = max(len(label) for label, _value in shown_rows)
    for label, value in shown_rows:
        click.echo(f"{label:<{width}}  {value}")


def print_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows as aligned columns under a header (nothing when there is no row)."""
    if not rows:
        return
    shown_rows = [[shown(cell) for cell in row] for row in (headers, *rows)]
    widths = [max(len(row[i]) for row in shown_rows) for i in range(len(headers))]
    for row in shown_rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def print_json(data: Any) -> None:
    """Print JSON for scripts, with the characters a terminal would act on as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    click.echo(_UNPRINTABLE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def done(username: str, result: str, *, as_json: bool, **details: Any) -> None:
    """Report a change to one user: a line, or a JSON object."""
    if as_json:
        print_json({"username": username, "result": result, **details})
    else:
        line = f"{result} {username}" if " " not in result else f"{username} {result}"
        click.echo(shown(line))


@contextmanager
def open_output(target: str) -> Iterator[TextIO]:
    """Open standard output ('-') or a file that appears whole or not at all."""
    if target == "-":
        yield sys.stdout
        return
    path = Path(target)
    # A temporary file renamed at the end: a failed export leaves no half file that an
    # import job could take for a whole one, and a report is never half written.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON file, whole or not at all."""
    with open_output(str(path)) as file:
        file.write(json.dumps(data, indent=2) + "\n")

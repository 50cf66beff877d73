"""Cognito's CSV: the file its user import jobs take, written from legacy users, and a CSV
of users read as the input of `flask users import`.

The written file follows the pool's schema (GetCSVHeader's columns) and is spreadsheet-safe;
reading one says what is wrong and where, never a value of it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from proxy_app.legacy import LegacyError, LegacyUser, cognito_attributes

if TYPE_CHECKING:
    from proxy_app.core.models import UserPool

# The standard attributes in the order of Cognito's GetCSVHeader (moto lacks it).
CSV_STANDARD_ATTRIBUTES = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
)
CSV_FLAGS = frozenset({"email_verified", "phone_number_verified"})
# A cell starting with one of these is a formula to a spreadsheet (OWASP's "CSV
# injection"); the file is for Cognito, but an operator may well open it first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Values a leading quote would corrupt, which no spreadsheet runs: a phone number as
# Cognito takes it (E.164), and a plain number.
_INERT = re.compile(r"\+[1-9][0-9]{1,14}|[+-]?[0-9]+(?:\.[0-9]+)?")
# Cognito's limits on one import job's file.
IMPORT_JOB_MAX_ROWS = 500_000
IMPORT_JOB_MAX_BYTES = 100 * 1024 * 1024


class UnreadableCsv(LegacyError):
    """The CSV file given to `users import` cannot be read."""


@dataclass(frozen=True)
class BadRow:
    """A row of the input that names no user."""

    line: int
    reason: str


@dataclass(frozen=True)
class PoolSchema:
    """The attributes a pool knows: every standard one, and its custom ones."""

    custom: tuple[str, ...]
    required: frozenset[str]

    @classmethod
    def of(cls, user_pool: UserPool) -> PoolSchema:
        """Read the schema from the pool's settings."""
        custom: list[str] = []
        required: set[str] = set()
        for attribute in user_pool.attributes:
            name = attribute.name
            if name.startswith("custom:"):
                custom.append(name)
            # Cognito makes `sub` itself; developer-only attributes are not the user's.
            if attribute.required and name != "sub" and not name.startswith("dev:"):
                required.add(name)
        return cls(tuple(custom), frozenset(required))

    def unknown(self, attributes: Iterable[str]) -> list[str]:
        """Name the attributes the pool would refuse as not in its schema."""
        known = set(CSV_STANDARD_ATTRIBUTES) | set(self.custom)
        return sorted(name for name in attributes if name not in known)

    def missing(self, attributes: Iterable[str]) -> list[str]:
        """Name the pool's required attributes that are absent."""
        return sorted(self.required - set(attributes))

    def csv_header(self) -> list[str]:
        """The columns of Cognito's import job file, in GetCSVHeader's order."""
        return [*CSV_STANDARD_ATTRIBUTES, *self.custom, "cognito:mfa_enabled", "cognito:username"]


def count_csv_rows(path: Path) -> int:
    """Count the users of a CSV file, reading all of it: a bad file fails before any import."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = csv.reader(file)
        try:
            _username_column(path, next(rows, []))
            return sum(1 for _row in rows)
        except csv.Error as exc:
            raise _unreadable(path, rows.line_num, exc) from None
        except UnicodeDecodeError as exc:
            raise UnreadableCsv(
                f"{path.name} is not a UTF-8 CSV file ({type(exc).__name__})"
            ) from None


def _unreadable(path: Path, line: int, exc: csv.Error) -> UnreadableCsv:
    """Say what is wrong with a CSV file, where; never a value of it."""
    # The csv module tells its errors apart by message only ("field larger than field
    # limit (131072)"); csv.field_size_limit() is far more than any attribute takes.
    if "field limit" in str(exc):
        limit = csv.field_size_limit() // 1024
        return UnreadableCsv(f"{path.name}: a field on line {line} is over {limit} KiB")
    return UnreadableCsv(f"{path.name} line {line}: not valid CSV ({type(exc).__name__})")


def _username_column(path: Path, columns: list[str]) -> str:
    for name in ("username", "cognito:username"):
        if name in columns:
            return name
    raise UnreadableCsv(f"{path.name} has no username or cognito:username column")


def csv_users(path: Path, *, emails_verified: bool) -> Iterator[LegacyUser | BadRow]:
    """Yield the users of a CSV file: a username column plus Cognito attribute columns."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        name_column = _username_column(path, list(reader.fieldnames or []))
        try:
            for row in reader:
                username = (row.get(name_column) or "").strip()
                if not username:
                    yield BadRow(reader.line_num, "MissingUsername")
                    continue
                # Empty cells are absent values, not attributes to drop with a warning.
                values = {k: v for k, v in row.items() if k and k != name_column and v}
                yield LegacyUser(
                    username, cognito_attributes(values, emails_verified=emails_verified)
                )
        except csv.Error as exc:
            # The DictReader's own line_num is the last row's; its reader's, this one's.
            raise _unreadable(path, reader.reader.line_num, exc) from None
        except UnicodeDecodeError as exc:
            raise UnreadableCsv(
                f"{path.name} line {reader.reader.line_num}: unreadable ({type(exc).__name__})"
            ) from None


def write_cognito_csv(schema: PoolSchema, users: Iterable[LegacyUser], out: TextIO) -> Export:
    """Write users as the CSV file Cognito's import jobs take; say what was left out."""
    header = schema.csv_header()
    columns = set(header)
    export = Export()
    # RFC 4180's line ending: a value with a carriage return, or a line feed, is quoted
    # (with "\n" alone, a bare "\r" in a value would end the row for many readers).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for user in users:
        for name in user.attributes:
            if name not in columns:
                export.left_out[name] = export.left_out.get(name, 0) + 1
        row = []
        for column, value in zip(header, _csv_row(user, header), strict=True):
            cell = spreadsheet_safe(value)
            if cell != value:
                export.quoted[column] = export.quoted.get(column, 0) + 1
            row.append(cell)
        writer.writerow(row)
        export.rows += 1
    return export


def spreadsheet_safe(value: str) -> str:
    """A cell no spreadsheet runs as a formula: `'` before one that would be, as OWASP
    advises, except for E.164 phone numbers and plain numbers, which must stay as they are.
    """
    if value.startswith(FORMULA_STARTS) and _INERT.fullmatch(value) is None:
        return "'" + value
    return value


@dataclass
class Export:
    """How many users an export wrote, which attributes the pool's schema lacks, and
    which columns had values quoted against formula injection."""

    rows: int = 0
    left_out: dict[str, int] = field(default_factory=dict)  # attribute name -> users
    quoted: dict[str, int] = field(default_factory=dict)  # column -> values given a `'`


def _csv_row(user: LegacyUser, header: list[str]) -> list[str]:
    row: list[str] = []
    for column in header:
        if column == "cognito:username":
            row.append(user.username)
        elif column == "cognito:mfa_enabled":
            row.append("false")
        elif column in CSV_FLAGS:
            row.append(user.attributes.get(column, "false"))
        else:
            row.append(user.attributes.get(column, ""))
    return row

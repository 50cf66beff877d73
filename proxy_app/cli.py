"""`flask users`: bulk migration from a legacy user store into the Cognito pool.

`import` creates profiles without passwords (users wait in FORCE_CHANGE_PASSWORD until
their first sign-in migrates their legacy password, or a reset); `export-cognito-csv`
writes the file Cognito's own import jobs take; `migration-status` counts who has moved.
The work is in `proxy_app.bulk`, imported when a command runs: `import wsgi` (every
Lambda cold start) loads only these declarations. Domain errors become one line here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click
from flask import current_app
from flask.cli import AppGroup

if TYPE_CHECKING:
    from proxy_app.bulk import BadRow, ImportReport
    from proxy_app.cognito import CognitoGateway
    from proxy_app.config import Config
    from proxy_app.legacy import LegacySource, LegacyUser
    from proxy_app.records import Records

users = AppGroup("users", help="Move users from the legacy store into the Cognito pool.")

# AdminCreateUser is in Cognito's UserCreation quota: 50 requests/s per account and
# region by default, shared with SignUp and confirmations, so leave room for them.
DEFAULT_RATE = 40.0
DEFAULT_WORKERS = 4  # enough calls in flight to reach the rate over a real network
MAX_WORKERS = 32
FAILURES_SHOWN = 20  # failed users listed on the terminal; the report has them all


@users.command("import")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read users from this CSV file (a username or cognito:username column plus "
    "attribute columns) instead of the legacy store.",
)
@click.option("--dry-run", is_flag=True, help="Check every user; create nobody.")
@click.option(
    "--rate",
    type=click.FloatRange(min=1.0, max=10_000),  # bulk.MIN_RATE
    default=DEFAULT_RATE,
    show_default=True,
    help="Cognito calls per second (AdminCreateUser shares the account's UserCreation "
    "quota, 50/s by default, with sign-ups).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="Calls in flight at once.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Send at most this many users to Cognito (users already there do not count).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a JSON report here (counts, and each failed user with a reason code).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_users(
    csv_path: Path | None,
    dry_run: bool,
    rate: float,
    workers: int,
    limit: int | None,
    report_path: Path | None,
    as_json: bool,
) -> None:
    """Create every legacy user in Cognito, without a password; safe to run again."""
    from proxy_app import bulk

    config = _config()
    gateway = _gateway()
    if report_path is not None:
        _check_writable(report_path)
    with _expected_failures():
        if csv_path is None:
            source = _legacy(config)
            total: int = source.count_users()
            items: Iterable[LegacyUser | BadRow] = source.iter_users()
        else:
            total = bulk.count_csv_rows(csv_path)
            items = bulk.csv_users(csv_path, emails_verified=config.legacy_emails_verified)
        schema = bulk.PoolSchema.of(gateway.describe_user_pool())
    report = bulk.ImportReport(
        source="csv" if csv_path is not None else "legacy",
        dry_run=dry_run,
        rate=rate,
        workers=workers,
        total=total,
    )
    importer = bulk.BulkImport(
        gateway,
        schema,
        report,
        records=_records(config),
        limit=limit,
        notice=lambda message: click.echo(message, err=True),
    )
    label = "checking" if dry_run else "importing"
    try:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            importer.run(items, bar.update)
    finally:
        # Even after a second Ctrl-C: the report says how far the run got.
        if report_path is not None:
            _write_json(report_path, report.as_json())
    _print_import_summary(report, as_json=as_json)
    _exit_for(report)


@users.command("export-cognito-csv")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    show_default=True,
    help="Where to write the CSV ('-' is standard output).",
)
def export_cognito_csv(output: str) -> None:
    """Write the legacy users as the CSV file Cognito's user import jobs take."""
    from proxy_app import bulk

    config = _config()
    gateway = _gateway()
    with _expected_failures():
        schema = bulk.PoolSchema.of(gateway.describe_user_pool())
        source = _legacy(config)
        with _output(output) as out:
            export = bulk.write_cognito_csv(schema, source.iter_users(), out)
    if export.left_out:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(export.left_out.items()))
        click.echo(f"not in the pool's schema, left out: {names}", err=True)
    if export.rows > bulk.IMPORT_JOB_MAX_ROWS or (
        output != "-" and os.path.getsize(output) > bulk.IMPORT_JOB_MAX_BYTES
    ):
        click.echo(
            f"Cognito's import jobs take at most {bulk.IMPORT_JOB_MAX_ROWS:,} users and "
            "100 MB per file: split this one",
            err=True,
        )
    where = "standard output" if output == "-" else output
    click.echo(f"wrote {export.rows} users to {where}", err=True)


@users.command("migration-status")
@click.option("--list", "list_users", is_flag=True, help="Also list every legacy user's status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def migration_status(list_users: bool, as_json: bool) -> None:
    """Count legacy users, those in Cognito, those with their password, and those pending."""
    from proxy_app import bulk

    listed: list[dict[str, str]] = []

    def each_user(username: str, status: str) -> None:
        if not list_users:
            return
        if as_json:
            listed.append({"username": username, "status": status})
        else:
            # Streamed: a store of millions is not held in memory for the table.
            click.echo(f"{username}  {status}")

    with _expected_failures():
        counts = bulk.migration_status(_gateway(), _legacy(_config()), each_user)
    if as_json:
        answer: dict[str, Any] = dict(counts)
        if list_users:
            answer["users"] = listed
        click.echo(json.dumps(answer, indent=2))
        return
    if list_users:
        click.echo()
    _print_table(
        [
            ("legacy users", counts["legacyUsers"]),
            ("in Cognito", counts["inCognito"]),
            ("  with their password (CONFIRMED)", counts["withPassword"]),
            ("  without a password yet", counts["withoutPassword"]),
            ("  in another status", counts["otherStatus"]),
            ("not in Cognito", counts["absent"]),
            ("pending (no password in Cognito yet)", counts["pending"]),
            ("Cognito users not in the legacy store", counts["cognitoOnly"]),
        ]
    )


# --- helpers ----------------------------------------------------------------------------


def _config() -> Config:
    config: Config = current_app.config["PROXY"]
    return config


def _gateway() -> CognitoGateway:
    gateway: CognitoGateway = current_app.extensions["cognito_gateway"]
    return gateway


def _legacy(config: Config) -> LegacySource:
    from proxy_app.legacy import legacy_source

    source = legacy_source(config)
    if source is None:
        raise click.ClickException(
            "no legacy user store: set LEGACY_DATABASE_URL, LEGACY_USER_QUERY and "
            "LEGACY_USERS_QUERY (or use --csv)"
        )
    return source


def _records(config: Config) -> Records | None:
    if config.records_table is None:
        return None
    from proxy_app.records import Records

    return Records(config)


@contextmanager
def _expected_failures() -> Iterator[None]:
    """Turn the failures an operator can meet into one line and exit status 1."""
    from proxy_app.config import ConfigError
    from proxy_app.failures import CognitoRefused, CognitoUnavailable, NoCredentials
    from proxy_app.legacy import LegacyError

    try:
        yield
    except CognitoUnavailable as exc:
        _fail(f"Cognito did not answer ({exc.cause}); check COGNITO_ENDPOINT_URL and the network")
    except NoCredentials:
        _fail("no AWS credentials for Cognito calls")
    except CognitoRefused as exc:
        _fail(f"Cognito refused: {exc.code}")
    except LegacyError as exc:
        _fail(f"legacy user store: {exc}")
    except ConfigError as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message) from None


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        _fail(f"cannot write the report in {folder}")


@contextmanager
def _output(target: str) -> Iterator[TextIO]:
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


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with _output(str(path)) as file:
        file.write(json.dumps(data, indent=2) + "\n")


def _print_table(rows: list[tuple[str, object]]) -> None:
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}")


def _print_import_summary(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    skipped = sum(report.skipped.values())
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(report.skipped.items()))
    rows: list[tuple[str, object]] = [
        ("would create" if report.dry_run else "created", report.created),
        ("skipped", f"{skipped} ({reasons})" if reasons else skipped),
        ("failed", len(report.failed)),
    ]
    if report.unattempted:
        rows.append(("not attempted", report.unattempted))
    if report.throttled:
        rows.append(("throttled calls", f"{report.throttled} (rate now {report.final_rate:g}/s)"))
    _print_table(rows)
    for outcome in report.failed[:FAILURES_SHOWN]:
        where = outcome.username or f"line {outcome.line}"
        names = f" ({', '.join(outcome.attributes)})" if outcome.attributes else ""
        click.echo(f"  {where}  {outcome.reason}{names}")
    if len(report.failed) > FAILURES_SHOWN:
        click.echo(f"  ... {len(report.failed) - FAILURES_SHOWN} more in the report (--report)")
    per_second = report.processed / report.seconds if report.seconds else 0.0
    verb = "checked" if report.dry_run else "imported"
    click.echo(
        f"{report.outcome}: {report.processed} users {verb} in {report.seconds:.1f} s "
        f"({per_second:.1f}/s); {report.created} "
        f"{'would be created' if report.dry_run else 'created'}, {skipped} skipped, "
        f"{len(report.failed)} failed"
    )


def _exit_for(report: ImportReport) -> None:
    if report.outcome == "interrupted":
        click.echo("interrupted: run the same command again to resume", err=True)
        raise click.exceptions.Exit(130)
    if report.outcome == "stopped":
        _fail(
            f"stopped: {report.stop_detail} [{report.stop_reason}]; run the same command "
            "again to resume (users already in Cognito are skipped)"
        )
    if report.failed:
        raise click.exceptions.Exit(1)

"""The migration commands: `import` (legacy users, or a CSV file, into the pool),
`export-cognito-csv` (the file Cognito's user import jobs take) and `migration-status`.

Their work is done in `proxy_app.migration` (bulk_import, cognito_csv, status), imported
inside each command: those modules, and the legacy store's SQLAlchemy, load only when a
migration command runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from proxy_app.cli.output import open_output, print_table, shown, write_json
from proxy_app.cli.target import current_target, expected_failures, fail

if TYPE_CHECKING:
    from proxy_app.config import Config
    from proxy_app.legacy import LegacySource, LegacyUser
    from proxy_app.migration.bulk_import import ImportReport
    from proxy_app.migration.cognito_csv import BadRow

# AdminCreateUser is in Cognito's UserCreation quota: 50 requests/s per account and
# region by default, shared with SignUp and confirmations, so leave room for them.
DEFAULT_RATE = 40.0
DEFAULT_WORKERS = 4  # enough calls in flight to reach the rate over a real network
MAX_WORKERS = 32
FAILURES_SHOWN = 20  # failed users listed on the terminal; the report has them all


@click.command("import")
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
    from proxy_app.migration import bulk_import as bulk
    from proxy_app.migration.cognito_csv import PoolSchema, count_csv_rows, csv_users

    target = current_target()
    config, gateway = target.config, target.gateway
    if target.records is None and not dry_run:
        fail(
            "users import needs REVOCATION_TABLE, the service's table: it marks the accounts "
            "it creates, the only ones a first sign-in may give their legacy password"
        )
    if report_path is not None:
        _check_writable(report_path)
    with expected_failures():
        if csv_path is None:
            source = _legacy(config)
            total: int = source.count_users()
            items: Iterable[LegacyUser | BadRow] = source.iter_users()
        else:
            total = count_csv_rows(csv_path)
            items = csv_users(csv_path, emails_verified=config.legacy_emails_verified)
        schema = PoolSchema.of(gateway.describe_user_pool())
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
        policy=target.policy,
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
            write_json(report_path, report.as_json())
    _print_import_summary(report, as_json=as_json)
    _exit_for(report)


@click.command("export-cognito-csv")
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
    from proxy_app.migration.cognito_csv import (
        IMPORT_JOB_MAX_BYTES,
        IMPORT_JOB_MAX_ROWS,
        PoolSchema,
        write_cognito_csv,
    )

    target = current_target()
    config, gateway = target.config, target.gateway
    with expected_failures():
        schema = PoolSchema.of(gateway.describe_user_pool())
        source = _legacy(config)
        with open_output(output) as out:
            export = write_cognito_csv(schema, source.iter_users(), out)
    if export.left_out:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(export.left_out.items()))
        click.echo(f"not in the pool's schema, left out: {shown(names)}", err=True)
    if export.quoted:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(export.quoted.items()))
        click.echo(
            "values a spreadsheet would run as formulas, written after a ' (an import job "
            f"keeps it: correct them in the legacy store): {names}",
            err=True,
        )
    if export.rows > IMPORT_JOB_MAX_ROWS or (
        output != "-" and os.path.getsize(output) > IMPORT_JOB_MAX_BYTES
    ):
        click.echo(
            f"Cognito's import jobs take at most {IMPORT_JOB_MAX_ROWS:,} users and "
            "100 MB per file: split this one",
            err=True,
        )
    where = "standard output" if output == "-" else output
    click.echo(f"wrote {export.rows} users to {where}", err=True)


@click.command("migration-status")
@click.option("--list", "list_users", is_flag=True, help="Also list every legacy user's status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def migration_status(list_users: bool, as_json: bool) -> None:
    """Count legacy users, those in Cognito, those with their password, and those pending."""
    from proxy_app.migration import status

    listed: list[dict[str, str]] = []

    def each_user(username: str, status: str) -> None:
        if not list_users:
            return
        if as_json:
            listed.append({"username": username, "status": status})
        else:
            # Streamed: a store of millions is not held in memory for the table.
            click.echo(f"{shown(username)}  {shown(status)}")

    with expected_failures():
        target = current_target()
        counts = status.migration_status(target.gateway, _legacy(target.config), each_user)
    if as_json:
        answer: dict[str, Any] = dict(counts)
        if list_users:
            answer["users"] = listed
        click.echo(json.dumps(answer, indent=2))
        return
    if list_users:
        click.echo()
    print_table(
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


def _legacy(config: Config) -> LegacySource:
    from proxy_app.legacy import legacy_source

    source = legacy_source(config)
    if source is None:
        fail(
            "no legacy user store: set LEGACY_DATABASE_URL, LEGACY_USER_QUERY and "
            "LEGACY_USERS_QUERY (or use --csv)"
        )
    return source


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        fail(f"cannot write the report in {folder}")


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
    print_table(rows)
    for outcome in report.failed[:FAILURES_SHOWN]:
        where = outcome.username or f"line {outcome.line}"
        names = f" ({', '.join(outcome.attributes)})" if outcome.attributes else ""
        click.echo(shown(f"  {where}  {outcome.reason}{names}"))
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
        fail(
            f"stopped: {report.stop_detail} [{report.stop_reason}]; run the same command "
            "again to resume (users already in Cognito are skipped)"
        )
    if report.failed:
        raise click.exceptions.Exit(1)

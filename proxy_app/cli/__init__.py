"""`flask users`: manage the pool's users, and move users from a legacy store into it.

The operator's commands (`list`, `show`, `create`, `confirm`, `disable`, `enable`,
`set-password`, `sign-out`, `delete`, `groups ...`) are thin calls on the gateway. The
migration commands (`import`, `export-cognito-csv`, `migration-status`) do their work in
`proxy_app.migration.bulk_import`. Domain errors become one line on standard error and
exit status 1.

The group is a Flask CLI plugin (setup.cfg's `flask.commands` entry point): `flask --app
wsgi users ...` finds it without loading the app, because loading it in local mode would
start a new, empty emulator. The commands build what they need from the environment, or,
in local mode, from the state file of the running `make run`. A test injects its app
through `app.test_cli_runner()`, whose ScriptInfo builds it. Never loaded in Lambda.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar
from urllib.parse import quote

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.config import Config
    from proxy_app.core.errors import CognitoRefused
    from proxy_app.legacy import LegacySource, LegacyUser
    from proxy_app.migration.bulk_import import BadRow, ImportReport
    from proxy_app.migration.policy import MigrationPolicy

users = click.Group(
    "users",
    help="Manage the user pool's users and groups; move users from a legacy store into it.",
)
groups = click.Group("groups", help="The pool's groups, and who is in them.")
users.add_command(groups)

F = TypeVar("F", bound=Callable[..., Any])

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
    from proxy_app.migration import bulk_import as bulk

    config = _config()
    gateway = _gateway()
    if _target().records is None and not dry_run:
        _fail(
            "users import needs REVOCATION_TABLE, the service's table: it marks the accounts "
            "it creates, the only ones a first sign-in may give their legacy password"
        )
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
        policy=_target().policy,
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
    from proxy_app.migration import bulk_import as bulk

    config = _config()
    gateway = _gateway()
    with _expected_failures():
        schema = bulk.PoolSchema.of(gateway.describe_user_pool())
        source = _legacy(config)
        with _output(output) as out:
            export = bulk.write_cognito_csv(schema, source.iter_users(), out)
    if export.left_out:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(export.left_out.items()))
        click.echo(f"not in the pool's schema, left out: {_shown(names)}", err=True)
    if export.quoted:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(export.quoted.items()))
        click.echo(
            "values a spreadsheet would run as formulas, written after a ' (an import job "
            f"keeps it: correct them in the legacy store): {names}",
            err=True,
        )
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
    from proxy_app.migration import bulk_import as bulk

    listed: list[dict[str, str]] = []

    def each_user(username: str, status: str) -> None:
        if not list_users:
            return
        if as_json:
            listed.append({"username": username, "status": status})
        else:
            # Streamed: a store of millions is not held in memory for the table.
            click.echo(f"{_shown(username)}  {_shown(status)}")

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


# --- the operator's commands ------------------------------------------------------------

# Cognito's Username and GroupName: 1 to 128 characters, none of them a control character.
MAX_NAME = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The attributes ListUsers can filter on, besides the user's status ones below.
SEARCHABLE = frozenset(
    {
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "sub",
        "cognito:user_status",
        "status",
    }
)
USER_STATUSES = (
    "UNCONFIRMED",
    "CONFIRMED",
    "FORCE_CHANGE_PASSWORD",
    "RESET_REQUIRED",
    "EXTERNAL_PROVIDER",
    "ARCHIVED",
    "COMPROMISED",
    "UNKNOWN",
)
_CONDITION = re.compile(r"(?P<name>[^=^\s]+)(?P<operator>\^?=)(?P<value>.+)", re.DOTALL)
NO_LOCAL_SERVICE = (
    "no local cognito-proxy is running (start one with make run); or set COGNITO_USER_POOL_ID"
)


class Name(click.ParamType[str]):
    """A username or group name as Cognito takes them."""

    def __init__(self, what: str) -> None:
        self.name = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.strip():
            self.fail(f"the {self.name} is empty", param, ctx)
        if len(text) > MAX_NAME:
            self.fail(f"a {self.name} has at most {MAX_NAME} characters", param, ctx)
        if _CONTROL.search(text):
            self.fail(f"a {self.name} has no control character", param, ctx)
        return text


USERNAME = Name("username")
GROUP = Name("group name")


@dataclass(frozen=True)
class Condition:
    """One test on a user: NAME=VALUE (equal) or NAME^=VALUE (starts with)."""

    name: str
    operator: str
    value: str

    def __str__(self) -> str:
        return f'{self.name} {self.operator} "{self.value}"'

    @property
    def searchable(self) -> bool:
        """True when ListUsers can apply it (one attribute it searches, a value it quotes)."""
        return self.name in SEARCHABLE and '"' not in self.value and "\\" not in self.value

    def matches(self, user: dict[str, Any]) -> bool:
        """Apply it here, to a user ListUsers answered."""
        actual = _field(user, self.name)
        if actual is None:
            return False
        return actual == self.value if self.operator == "=" else actual.startswith(self.value)


def _field(user: dict[str, Any], name: str) -> str | None:
    if name == "username":
        return str(user.get("Username", ""))
    if name == "cognito:user_status":
        return str(user.get("UserStatus", ""))
    if name == "status":
        return "Enabled" if user.get("Enabled", True) else "Disabled"
    return _attributes(user).get(name)


def _conditions(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> list[Condition]:
    found = []
    for value in values:
        match = _CONDITION.fullmatch(value)
        if match is None:
            raise click.BadParameter(
                f"expected NAME=VALUE or NAME^=PREFIX, got {value!r}", ctx, param
            )
        found.append(Condition(match["name"], match["operator"], match["value"]))
    return found


def _attribute_pairs(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", ctx, param)
        if name in pairs:
            raise click.BadParameter(f"{name} is given twice", ctx, param)
        pairs[name] = text
    return pairs


def json_option(command: F) -> F:
    """Add --json: print JSON on standard output, for scripts."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")(
        command
    )


@users.command("list")
@click.option(
    "--attribute",
    "-a",
    "attributes",
    multiple=True,
    callback=_conditions,
    metavar="NAME=VALUE|NAME^=PREFIX",
    help="Only users whose attribute equals VALUE (=) or starts with PREFIX (^=); repeatable.",
)
@click.option(
    "--status",
    type=click.Choice(USER_STATUSES, case_sensitive=False),
    help="Only users in this status.",
)
@click.option(
    "--enabled/--disabled", "enabled", default=None, help="Only enabled (or disabled) users."
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="Show at most this many users (default: all)."
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 60),  # cognito.LIST_USERS_MAX_PAGE
    default=60,
    show_default=True,
    help="Users per ListUsers call.",
)
@json_option
def list_pool_users(
    attributes: list[Condition],
    status: str | None,
    enabled: bool | None,
    limit: int | None,
    page_size: int,
    as_json: bool,
) -> None:
    """List the pool's users, filtered by attribute, status or enabled."""
    conditions = list(attributes)
    if status is not None:
        conditions.append(Condition("cognito:user_status", "=", status.upper()))
    if enabled is not None:
        conditions.append(Condition("status", "=", "Enabled" if enabled else "Disabled"))
    sent = next((condition for condition in conditions if condition.searchable), None)
    here = [condition for condition in conditions if condition is not sent]
    if here:
        # ListUsers takes one filter expression: the others are applied to its answers.
        click.echo(
            f"note: Cognito's ListUsers takes one filter ({_shown(sent or 'none sent')}); "
            f"{_shown(' and '.join(map(str, here)))} checked here, on every user it lists",
            err=True,
        )
    found: list[dict[str, Any]] = []
    more = False
    with _expected_failures():
        gateway = _gateway()
        for user in gateway.list_users(None if sent is None else str(sent), page_size):
            if not all(condition.matches(user) for condition in here):
                continue
            if limit is not None and len(found) == limit:
                more = True
                break
            found.append(user)
    if as_json:
        _print_json(
            {
                "users": [_user_json(user) for user in found],
                "more": more,
                "filter": None if sent is None else str(sent),
                "filteredHere": [str(condition) for condition in here],
            }
        )
        return
    _print_columns(
        ("USERNAME", "STATUS", "ENABLED", "EMAIL", "CREATED"),
        [
            (
                user.get("Username", ""),
                user.get("UserStatus", ""),
                _yes(user.get("Enabled", True)),
                _attributes(user).get("email", ""),
                _when(user.get("UserCreateDate")),
            )
            for user in found
        ],
    )
    if not found:
        click.echo("no users", err=True)
    if more:
        click.echo(f"more users than --limit {limit}: raise it to see them", err=True)


@users.command("show")
@click.argument("username", type=USERNAME)
@json_option
def show_user(username: str, as_json: bool) -> None:
    """Show one user: attributes, status, enabled, dates, MFA and groups."""
    with _expected_failures(username=username):
        gateway = _gateway()
        user = gateway.admin_get_user(username)
        names = [str(group.get("GroupName", "")) for group in gateway.groups_of(username)]
    details = {
        **_user_json(user),
        "mfa": {
            "preferred": user.get("PreferredMfaSetting") or None,
            "enabled": list(user.get("UserMFASettingList") or []),
        },
        "groups": names,
    }
    if as_json:
        _print_json(details)
        return
    mfa = details["mfa"]
    rows: list[tuple[str, object]] = [
        ("username", details["username"]),
        ("status", details["status"]),
        ("enabled", _yes(details["enabled"])),
        ("created", details["created"] or ""),
        ("modified", details["modified"] or ""),
        ("MFA", ", ".join(mfa["enabled"]) or "off"),
        ("preferred MFA", mfa["preferred"] or "-"),
        ("groups", ", ".join(names) or "-"),
    ]
    rows.extend(sorted(details["attributes"].items()))
    _print_table(rows)


@users.command("create")
@click.argument("username", type=USERNAME)
@click.option(
    "--temporary-password",
    help="The first password; the user must choose another at first sign-in. Without it "
    "(or --password) Cognito makes one and sends it in the invitation.",
)
@click.option(
    "--password",
    help="A permanent password (AdminSetUserPassword): the user is CONFIRMED at once and "
    "gets no invitation.",
)
@click.option(
    "--attribute",
    "-a",
    "attributes",
    multiple=True,
    callback=_attribute_pairs,
    metavar="NAME=VALUE",
    help="An attribute (email=ada@example.com, custom:tier=gold); repeatable.",
)
@click.option(
    "--suppress-message", is_flag=True, help="Send no invitation (MessageAction=SUPPRESS)."
)
@json_option
def create_user(
    username: str,
    temporary_password: str | None,
    password: str | None,
    attributes: dict[str, str],
    suppress_message: bool,
    as_json: bool,
) -> None:
    """Create a user (AdminCreateUser)."""
    if temporary_password is not None and password is not None:
        raise click.UsageError("give --temporary-password or --password, not both")
    with _expected_failures(username=username):
        gateway = _gateway()
        user = gateway.create_user(
            username,
            attributes,
            temporary_password=temporary_password,
            send_message=not suppress_message and password is None,
        )
    if password is not None:
        with _expected_failures(username=username):
            _set_first_password(gateway, username, password)
            user = gateway.admin_get_user(username)
    if as_json:
        _print_json(_user_json(user))
        return
    created = str(user.get("Username", username))
    click.echo(f"created {_shown(created)} ({_shown(user.get('UserStatus', ''))})")
    if password is None and temporary_password is None and not suppress_message:
        click.echo(_where_the_invitation_went(created))


def _where_the_invitation_went(username: str) -> str:
    """Where an invited user's temporary password (made by Cognito) can be found."""
    if _target().local:
        return (
            "invited: the temporary password is printed on the console of `make run` and "
            f"listed at GET /local/codes?username={quote(username, safe='@')}"
        )
    return "invited: Cognito sends the temporary password to the user's email or phone"


def _set_first_password(gateway: CognitoGateway, username: str, password: str) -> None:
    """Make a new user's password permanent, or take the user away again if refused."""
    from proxy_app.core.errors import CognitoRefused, ServiceFailure

    try:
        gateway.admin_set_user_password(username, password, permanent=True)
    except CognitoRefused as refused:
        # A user left behind without a usable password would block the next attempt.
        with suppress(ServiceFailure):
            gateway.delete_user(username)
        reason = _refusal(refused, username=username, group=None)
        _fail(f"{reason}; {username} was not created")


@users.command("confirm")
@click.argument("username", type=USERNAME)
@json_option
def confirm_user(username: str, as_json: bool) -> None:
    """Confirm a user's sign-up without a code (AdminConfirmSignUp)."""
    with _expected_failures(username=username):
        _gateway().admin_confirm_sign_up(username)
    _done(username, "confirmed", as_json=as_json)


@users.command("disable")
@click.argument("username", type=USERNAME)
@json_option
def disable_user(username: str, as_json: bool) -> None:
    """Stop a user from signing in (AdminDisableUser)."""
    with _expected_failures(username=username):
        _gateway().set_user_enabled(username, enabled=False)
    _done(username, "disabled", as_json=as_json)


@users.command("enable")
@click.argument("username", type=USERNAME)
@json_option
def enable_user(username: str, as_json: bool) -> None:
    """Let a disabled user sign in again (AdminEnableUser)."""
    with _expected_failures(username=username):
        _gateway().set_user_enabled(username, enabled=True)
    _done(username, "enabled", as_json=as_json)


@users.command("set-password")
@click.argument("username", type=USERNAME)
@click.option(
    "--temporary",
    is_flag=True,
    help="The user must choose another at next sign-in (FORCE_CHANGE_PASSWORD).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (one line)."
)
@click.option(
    "--password",
    help="The password itself (it stays in your shell's history and shows in the process "
    "list: prefer the prompt or --password-stdin).",
)
@json_option
def set_password(
    username: str, temporary: bool, password_stdin: bool, password: str | None, as_json: bool
) -> None:
    """Set a user's password (AdminSetUserPassword); asked for with hidden input."""
    if password_stdin and password is not None:
        raise click.UsageError("give --password-stdin or --password, not both")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail("no password on standard input")
    elif password is None:
        password = click.prompt(
            f"new password for {_shown(username)}",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    assert password is not None
    target = _target()
    with _expected_failures(username=username):
        target.gateway.admin_set_user_password(username, password, permanent=not temporary)
        # An administrator chose this password: a legacy one never overrides it.
        target.policy.password_set(username)
    if as_json:
        _print_json({"username": username, "result": "password set", "permanent": not temporary})
        return
    kind = "temporary: to change at next sign-in" if temporary else "permanent"
    click.echo(f"password set for {_shown(username)} ({kind})")


@users.command("sign-out")
@click.argument("username", type=USERNAME)
@json_option
def sign_out_user(username: str, as_json: bool) -> None:
    """End every session of a user (AdminUserGlobalSignOut), as POST /signout does."""
    target = _target()
    with _expected_failures(username=username):
        if target.records is not None:
            sub = _sub(target.gateway.admin_get_user(username))
            # Recorded first, as the route does: refusing tokens of a sign-out that then
            # fails is the safe side. Id tokens are refused too (TOKEN_REVOCATION_CHECK).
            now = time.time()
            target.records.record_sign_out(sub, now)
        target.gateway.admin_user_global_sign_out(username)
    _done(username, "signed out", as_json=as_json, recorded=target.records is not None)


@users.command("delete")
@click.argument("username", type=USERNAME)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete_user(username: str, yes: bool, as_json: bool) -> None:
    """Delete a user for good (AdminDeleteUser); asks first unless --yes."""
    target = _target()
    with _expected_failures(username=username):
        user = target.gateway.admin_get_user(username)
    name = str(user.get("Username") or username)
    question = _shown(
        f"delete {name} ({user.get('UserStatus', '')}) from {target.config.user_pool_id}?"
    )
    if not yes and not click.confirm(question, default=False, err=True):
        _fail(f"{name} was not deleted")
    with _expected_failures(username=username):
        # Recorded first, as DELETE /admin/user does: a deletion that is not recorded
        # could be undone by migration from a legacy store.
        target.policy.record_deletion(name, _sub(user), lambda: _attributes(user).get("email"))
        target.gateway.delete_user(name)
    _done(name, "deleted", as_json=as_json, recorded=target.records is not None)


@groups.command("list")
@click.argument("username", type=USERNAME, required=False)
@json_option
def list_groups(username: str | None, as_json: bool) -> None:
    """List the pool's groups, or the groups of USERNAME."""
    with _expected_failures(username=username):
        gateway = _gateway()
        found = list(gateway.list_groups() if username is None else gateway.groups_of(username))
    listed = [
        {
            "name": group.get("GroupName", ""),
            "description": group.get("Description"),
            "precedence": group.get("Precedence"),
        }
        for group in found
    ]
    if as_json:
        _print_json(
            {"groups": listed} if username is None else {"username": username, "groups": listed}
        )
        return
    _print_columns(
        ("GROUP", "PRECEDENCE", "DESCRIPTION"),
        [
            (
                str(group["name"]),
                "" if group["precedence"] is None else str(group["precedence"]),
                str(group["description"] or ""),
            )
            for group in listed
        ],
    )
    if not listed:
        click.echo(
            "no groups" if username is None else f"{_shown(username)} is in no group", err=True
        )


@groups.command("add")
@click.argument("username", type=USERNAME)
@click.argument("group", type=GROUP)
@json_option
def add_to_group(username: str, group: str, as_json: bool) -> None:
    """Put USERNAME in GROUP (AdminAddUserToGroup)."""
    with _expected_failures(username=username, group=group):
        _gateway().add_to_group(username, group)
    _done(username, f"added to {group}", as_json=as_json, group=group)


@groups.command("remove")
@click.argument("username", type=USERNAME)
@click.argument("group", type=GROUP)
@json_option
def remove_from_group(username: str, group: str, as_json: bool) -> None:
    """Take USERNAME out of GROUP (AdminRemoveUserFromGroup)."""
    with _expected_failures(username=username, group=group):
        _gateway().remove_from_group(username, group)
    _done(username, f"removed from {group}", as_json=as_json, group=group)


# --- where the commands act: the injected app, the environment, or local mode ---------


@dataclass(frozen=True)
class Target:
    """The pool the commands act on, and the service's table when there is one."""

    config: Config
    gateway: CognitoGateway
    records: Records | None
    local: bool = False  # local mode's emulator, which prints what Cognito would send

    @property
    def policy(self) -> MigrationPolicy:
        """The migration policy, asked as the routes ask it."""
        from proxy_app.migration.policy import MigrationPolicy

        return MigrationPolicy(self.records, self.gateway.describe_user_pool)


_TARGET = "proxy_app.cli.target"


def _target() -> Target:
    """The pool to act on, found once per command."""
    ctx = click.get_current_context()
    target: Target | None = ctx.meta.get(_TARGET)
    if target is None:
        target = ctx.meta[_TARGET] = _find_target(ctx)
    return target


def _find_target(ctx: click.Context) -> Target:
    info = ctx.find_object(ScriptInfo)
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    elif info is not None and info.create_app is not None:
        # A test's app (app.test_cli_runner()), or a factory given to FlaskGroup.
        app = info.load_app()
    else:
        # Not `--app wsgi`: in local mode that would start a new, empty emulator.
        return _target_from_environment()
    return Target(
        app.config["PROXY"],
        app.extensions["cognito_gateway"],
        app.extensions.get("records"),
        local="local_codes" in app.extensions,
    )


def _target_from_environment() -> Target:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.config import Config, ConfigError
    from proxy_app.http.logs import configure_logging

    try:
        config = Config.from_env(os.environ)
        local = config.local_mode
        if local:
            config = _running_local_service(config)
    except ConfigError as exc:
        _fail(str(exc))
    configure_logging(config.log_level)
    records = None
    if config.records_table is not None:
        from proxy_app.aws.table import Records

        records = Records(config)
    return Target(config, CognitoGateway(config), records, local=local)


def _running_local_service(config: Config) -> Config:
    """Point a configuration at the emulator of the `make run` that is running."""
    from local_cognito.mode import LOCAL_CREDENTIALS
    from proxy_app.cli.local_service import read_state

    state = read_state()
    if state is None:
        _fail(NO_LOCAL_SERVICE)
    return config.replace(
        region=state.region,
        user_pool_id=state.user_pool_id,
        app_client_id=state.app_client_id,
        app_client_secret=None,
        endpoint_url=state.endpoint_url,
        static_credentials=LOCAL_CREDENTIALS,
        records_table=state.records_table,
        dynamodb_endpoint_url=state.endpoint_url,
    )


# --- helpers ----------------------------------------------------------------------------


def _config() -> Config:
    return _target().config


def _gateway() -> CognitoGateway:
    return _target().gateway


def _legacy(config: Config) -> LegacySource:
    from proxy_app.legacy import legacy_source

    source = legacy_source(config)
    if source is None:
        _fail(
            "no legacy user store: set LEGACY_DATABASE_URL, LEGACY_USER_QUERY and "
            "LEGACY_USERS_QUERY (or use --csv)"
        )
    return source


@contextmanager
def _expected_failures(*, username: str | None = None, group: str | None = None) -> Iterator[None]:
    """Turn the failures an operator can meet into one line and exit status 1."""
    from proxy_app.config import ConfigError
    from proxy_app.core.errors import (
        CognitoInputRefused,
        CognitoRefused,
        CognitoUnavailable,
        NoCredentials,
    )
    from proxy_app.legacy import LegacyError

    try:
        yield
    except CognitoUnavailable as exc:
        _fail(f"Cognito did not answer ({exc.cause}); check COGNITO_ENDPOINT_URL and the network")
    except NoCredentials:
        _fail("no AWS credentials for Cognito calls")
    except CognitoRefused as exc:
        _fail(_refusal(exc, username=username, group=group))
    except CognitoInputRefused as exc:
        fields = "; ".join(f"{name}: {' '.join(problems)}" for name, problems in exc.errors.items())
        _fail(f"Cognito's parameter rules refuse this input ({fields})")
    except LegacyError as exc:
        _fail(f"legacy user store: {exc}")
    except ConfigError as exc:
        _fail(str(exc))


def _refusal(exc: CognitoRefused, *, username: str | None, group: str | None) -> str:
    """Say what a refusal means for the user or group the command names."""
    code, message = exc.code, exc.message
    if username is not None and code == "UserNotFoundException":
        return f"no user named {username}"
    if username is not None and code == "UsernameExistsException":
        return f"a user named {username} exists already"
    # Cognito says which is missing, the group or the pool (moto names the group only).
    if group is not None and code == "ResourceNotFoundException" and "pool" not in message.lower():
        return f"no group named {group}"
    if code == "InvalidPasswordException":
        return f"password refused: {message or code}"
    # An operator's own command: Cognito's message about it helps and reveals nothing.
    return f"Cognito refused: {code}" + (f" ({message})" if message else "")


def _fail(message: str) -> NoReturn:
    # Messages name users, groups and files, and quote Cognito and the legacy store.
    raise click.ClickException(_shown(message)) from None


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


# What a terminal would act on rather than show, in a user's data: C0 controls (a tab or
# a new line too, which would break a table), DEL, C1 controls (CSI, OSC, ...), and the
# bidirectional controls that reorder what follows them.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In JSON: what json.dumps leaves as it is with ensure_ascii=False (it escapes C0 itself).
_UNPRINTABLE_IN_JSON = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(value: object) -> str:
    """A value as a terminal may print it: every control character as an escape (`\\x1b`)."""
    return _UNPRINTABLE.sub(_escape, str(value))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _print_table(rows: list[tuple[str, object]]) -> None:
    shown = [(_shown(label), _shown(value)) for label, value in rows]
    width = max(len(label) for label, _value in shown)
    for label, value in shown:
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
        click.echo(_shown(f"  {where}  {outcome.reason}{names}"))
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


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    """A user's attributes as a mapping (ListUsers says Attributes, AdminGetUser UserAttributes)."""
    listed = user.get("Attributes", user.get("UserAttributes")) or []
    return {str(item["Name"]): str(item.get("Value", "")) for item in listed}


def _sub(user: dict[str, Any]) -> str:
    from proxy_app.aws.cognito import unexpected_answer

    sub = _attributes(user).get("sub")
    if not sub:
        raise unexpected_answer("AdminGetUser")
    return sub


def _when(moment: object) -> str:
    if isinstance(moment, datetime.datetime):
        return moment.isoformat(timespec="seconds")
    return "" if moment is None else str(moment)


def _yes(flag: object) -> str:
    return "yes" if flag else "no"


def _user_json(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": user.get("Username"),
        "status": user.get("UserStatus"),
        "enabled": bool(user.get("Enabled", True)),
        "created": _when(user.get("UserCreateDate")) or None,
        "modified": _when(user.get("UserLastModifiedDate")) or None,
        "attributes": _attributes(user),
    }


def _done(username: str, result: str, *, as_json: bool, **details: Any) -> None:
    """Report a change to one user: a line, or a JSON object."""
    if as_json:
        _print_json({"username": username, "result": result, **details})
    else:
        line = f"{result} {username}" if " " not in result else f"{username} {result}"
        click.echo(_shown(line))


def _print_json(data: Any) -> None:
    # The same JSON, with the characters a terminal would act on as \\uXXXX escapes.
    text = json.dumps(data, indent=2, ensure_ascii=False)
    click.echo(_UNPRINTABLE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def _print_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows as aligned columns under a header (nothing when there is no row)."""
    if not rows:
        return
    shown = [[_shown(cell) for cell in row] for row in (headers, *rows)]
    widths = [max(len(row[i]) for row in shown) for i in range(len(headers))]
    for row in shown:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())

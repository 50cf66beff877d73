"""The operator's commands on users: `list`, `show`, `create`, `confirm`, `disable`,
`enable`, `set-password`, `sign-out` and `delete`.

Each is a thin call on the gateway, or on the core's accounts where a rule applies
(a sign-out and a delete are recorded first); Cognito's answers arrive as `User` models.
"""

from __future__ import annotations

import datetime
import sys
from contextlib import suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import click

from proxy_app.cli.output import done, print_columns, print_json, print_table, shown
from proxy_app.cli.params import (
    USER_STATUSES,
    USERNAME,
    Condition,
    json_option,
    read_attributes,
    read_conditions,
)
from proxy_app.cli.target import current_target, expected_failures, fail, refusal
from proxy_app.core.models import User

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway


@click.command("list")
@click.option(
    "--attribute",
    "-a",
    "attributes",
    multiple=True,
    callback=read_conditions,
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
            f"note: Cognito's ListUsers takes one filter ({shown(sent or 'none sent')}); "
            f"{shown(' and '.join(map(str, here)))} checked here, on every user it lists",
            err=True,
        )
    found: list[User] = []
    more = False
    with expected_failures():
        gateway = current_target().gateway
        for user in gateway.list_users(None if sent is None else str(sent), page_size):
            if not all(condition.matches(user) for condition in here):
                continue
            if limit is not None and len(found) == limit:
                more = True
                break
            found.append(user)
    if as_json:
        print_json(
            {
                "users": [_user_json(user) for user in found],
                "more": more,
                "filter": None if sent is None else str(sent),
                "filteredHere": [str(condition) for condition in here],
            }
        )
        return
    print_columns(
        ("USERNAME", "STATUS", "ENABLED", "EMAIL", "CREATED"),
        [
            (
                user.username,
                user.status or "",
                _yes(user.enabled),
                user.attributes.get("email", ""),
                _when(user.created),
            )
            for user in found
        ],
    )
    if not found:
        click.echo("no users", err=True)
    if more:
        click.echo(f"more users than --limit {limit}: raise it to see them", err=True)


@click.command("show")
@click.argument("username", type=USERNAME)
@json_option
def show_user(username: str, as_json: bool) -> None:
    """Show one user: attributes, status, enabled, dates, MFA and groups."""
    with expected_failures(username=username):
        gateway = current_target().gateway
        user = gateway.admin_get_user(username)
        names = [group.name for group in gateway.groups_of(username)]
    details = {
        **_user_json(user),
        "mfa": {"preferred": user.mfa.preferred, "enabled": list(user.mfa.enabled)},
        "groups": names,
    }
    if as_json:
        print_json(details)
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
    print_table(rows)


@click.command("create")
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
    callback=read_attributes,
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
    with expected_failures(username=username):
        services = current_target().services
        gateway = services.gateway
        user = services.accounts.invite(
            username,
            attributes,
            temporary_password=temporary_password,
            send_message=not suppress_message and password is None,
        )
    if password is not None:
        with expected_failures(username=username):
            _set_first_password(gateway, username, password)
            user = gateway.admin_get_user(username)
    if as_json:
        print_json(_user_json(user))
        return
    created = user.username or username
    click.echo(f"created {shown(created)} ({shown(user.status or '')})")
    if password is None and temporary_password is None and not suppress_message:
        click.echo(_where_the_invitation_went(created))


def _where_the_invitation_went(username: str) -> str:
    """Where an invited user's temporary password (made by Cognito) can be found."""
    if current_target().local:
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
        reason = refusal(refused, username=username, group=None)
        fail(f"{reason}; {username} was not created")


@click.command("confirm")
@click.argument("username", type=USERNAME)
@json_option
def confirm_user(username: str, as_json: bool) -> None:
    """Confirm a user's sign-up without a code (AdminConfirmSignUp)."""
    with expected_failures(username=username):
        current_target().gateway.admin_confirm_sign_up(username)
    done(username, "confirmed", as_json=as_json)


@click.command("disable")
@click.argument("username", type=USERNAME)
@json_option
def disable_user(username: str, as_json: bool) -> None:
    """Stop a user from signing in (AdminDisableUser)."""
    with expected_failures(username=username):
        current_target().gateway.set_user_enabled(username, enabled=False)
    done(username, "disabled", as_json=as_json)


@click.command("enable")
@click.argument("username", type=USERNAME)
@json_option
def enable_user(username: str, as_json: bool) -> None:
    """Let a disabled user sign in again (AdminEnableUser)."""
    with expected_failures(username=username):
        current_target().gateway.set_user_enabled(username, enabled=True)
    done(username, "enabled", as_json=as_json)


@click.command("set-password")
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
            fail("no password on standard input")
    elif password is None:
        password = click.prompt(
            f"new password for {shown(username)}",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    assert password is not None
    target = current_target()
    with expected_failures(username=username):
        # An administrator chose this password: a legacy one never overrides it.
        target.services.accounts.set_password(username, password, permanent=not temporary)
    if as_json:
        print_json({"username": username, "result": "password set", "permanent": not temporary})
        return
    kind = "temporary: to change at next sign-in" if temporary else "permanent"
    click.echo(f"password set for {shown(username)} ({kind})")


@click.command("sign-out")
@click.argument("username", type=USERNAME)
@json_option
def sign_out_user(username: str, as_json: bool) -> None:
    """End every session of a user (AdminUserGlobalSignOut), as POST /signout does."""
    target = current_target()
    with expected_failures(username=username):
        target.services.accounts.sign_out_user(username)
    done(username, "signed out", as_json=as_json, recorded=target.services.accounts.records_kept)


@click.command("delete")
@click.argument("username", type=USERNAME)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete_user(username: str, yes: bool, as_json: bool) -> None:
    """Delete a user for good (AdminDeleteUser); asks first unless --yes."""
    target = current_target()
    with expected_failures(username=username):
        user = target.gateway.admin_get_user(username)
    name = user.username or username
    question = shown(f"delete {name} ({user.status or ''}) from {target.config.user_pool_id}?")
    if not yes and not click.confirm(question, default=False, err=True):
        fail(f"{name} was not deleted")
    with expected_failures(username=username):
        target.services.accounts.delete_user(user)
    done(name, "deleted", as_json=as_json, recorded=target.services.accounts.records_kept)


def _when(moment: object) -> str:
    if isinstance(moment, datetime.datetime):
        return moment.isoformat(timespec="seconds")
    return "" if moment is None else str(moment)


def _yes(flag: object) -> str:
    return "yes" if flag else "no"


def _user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "status": user.status,
        "enabled": user.enabled,
        "created": _when(user.created) or None,
        "modified": _when(user.modified) or None,
        "attributes": user.attributes,
    }

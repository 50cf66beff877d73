"""`flask users groups`: the pool's groups (list, create, delete), and who is in them."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager

import click

from proxy_app.cli.output import done, print_columns, print_json, shown
from proxy_app.cli.params import GROUP, USERNAME, json_option
from proxy_app.cli.target import current_target, expected_failures, fail, refusal

groups = click.Group("groups", help="The pool's groups, and who is in them.")

# Cognito's CreateGroup: a description of at most 2048 characters, a precedence from 0.
MAX_DESCRIPTION = 2048
MAX_PRECEDENCE = 2**31 - 1


@groups.command("list")
@click.argument("username", type=USERNAME, required=False)
@json_option
def list_groups(username: str | None, as_json: bool) -> None:
    """List the pool's groups, or the groups of USERNAME."""
    with expected_failures(username=username):
        gateway = current_target().gateway
        found = list(gateway.list_groups() if username is None else gateway.groups_of(username))
    if as_json:
        listed = [
            {"name": group.name, "description": group.description, "precedence": group.precedence}
            for group in found
        ]
        print_json(
            {"groups": listed} if username is None else {"username": username, "groups": listed}
        )
        return
    print_columns(
        ("GROUP", "PRECEDENCE", "DESCRIPTION"),
        [
            (
                group.name,
                "" if group.precedence is None else str(group.precedence),
                group.description or "",
            )
            for group in found
        ],
    )
    if not found:
        click.echo(
            "no groups (flask users groups create NAME makes one)"
            if username is None
            else f"{shown(username)} is in no group",
            err=True,
        )


@groups.command("create")
@click.argument("group", type=GROUP)
@click.option(
    "--description",
    callback=lambda _context, _param, value: _checked_description(value),
    help=f"What the group is for (at most {MAX_DESCRIPTION} characters).",
)
@click.option(
    "--precedence",
    type=click.IntRange(0, MAX_PRECEDENCE),
    help="The group's rank among a user's groups: the lowest number comes first.",
)
@json_option
def create_group(
    group: str, description: str | None, precedence: int | None, as_json: bool
) -> None:
    """Create GROUP in the pool (CreateGroup)."""
    with _group_failures(group):
        created = current_target().gateway.create_group(
            group, description=description, precedence=precedence
        )
    if as_json:
        print_json(
            {
                "group": created.name or group,
                "result": "created",
                "description": created.description,
                "precedence": created.precedence,
            }
        )
        return
    click.echo(f"created group {shown(created.name or group)}")


@groups.command("delete")
@click.argument("group", type=GROUP)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete_group(group: str, yes: bool, as_json: bool) -> None:
    """Delete GROUP (DeleteGroup): its members stay in the pool. Asks first unless --yes."""
    target = current_target()
    with _group_failures(group):
        found = target.gateway.get_group(group)
    question = shown(
        f"delete group {found.name or group} from {target.config.user_pool_id}? "
        "(its members stay in the pool)"
    )
    if not yes and not click.confirm(question, default=False, err=True):
        fail(f"group {group} was not deleted")
    with _group_failures(group):
        target.gateway.delete_group(group)
    if as_json:
        print_json({"group": group, "result": "deleted"})
        return
    click.echo(f"deleted group {shown(group)}")


@groups.command("add")
@click.argument("username", type=USERNAME)
@click.argument("group", type=GROUP)
@json_option
def add_to_group(username: str, group: str, as_json: bool) -> None:
    """Put USERNAME in GROUP (AdminAddUserToGroup); `groups create` makes the group."""
    with _group_failures(group, username=username, advise_create=True):
        current_target().gateway.add_to_group(username, group)
    done(username, f"added to {group}", as_json=as_json, group=group)


@groups.command("remove")
@click.argument("username", type=USERNAME)
@click.argument("group", type=GROUP)
@json_option
def remove_from_group(username: str, group: str, as_json: bool) -> None:
    """Take USERNAME out of GROUP (AdminRemoveUserFromGroup)."""
    with expected_failures(username=username, group=group):
        current_target().gateway.remove_from_group(username, group)
    done(username, f"removed from {group}", as_json=as_json, group=group)


def _checked_description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION:
        raise click.BadParameter(f"a description has at most {MAX_DESCRIPTION} characters")
    return value


@contextmanager
def _group_failures(
    group: str, *, username: str | None = None, advise_create: bool = False
) -> Iterator[None]:
    """The operator's failures as one line (expected_failures), saying what to do next
    where the group exists already or, with `advise_create`, does not exist."""
    from proxy_app.core.errors import CognitoRefused

    with expected_failures(username=username, group=group):
        try:
            yield
        except CognitoRefused as refused:
            if refused.code == "GroupExistsException":
                fail(f"a group named {group} exists already")
            reason = refusal(refused, username=username, group=group)
            if advise_create and reason == f"no group named {group}":
                reason += f"; create it with: flask users groups create {shlex.quote(group)}"
            fail(reason)

"""`flask users groups`: the pool's groups, and who is in them."""

from __future__ import annotations

import click

from proxy_app.cli.output import done, print_columns, print_json, shown
from proxy_app.cli.params import GROUP, USERNAME, json_option
from proxy_app.cli.target import current_target, expected_failures

groups = click.Group("groups", help="The pool's groups, and who is in them.")


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
            "no groups" if username is None else f"{shown(username)} is in no group", err=True
        )


@groups.command("add")
@click.argument("username", type=USERNAME)
@click.argument("group", type=GROUP)
@json_option
def add_to_group(username: str, group: str, as_json: bool) -> None:
    """Put USERNAME in GROUP (AdminAddUserToGroup)."""
    with expected_failures(username=username, group=group):
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

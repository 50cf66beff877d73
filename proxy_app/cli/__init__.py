"""`flask users`: manage the pool's users, and move users from a legacy store into it.

One module per command group: `user` (`list`, `show`, `create`, `confirm`, `disable`,
`enable`, `set-password`, `sign-out`, `delete`), `groups` (`groups list|create|delete|add|remove`),
`migration` (`import`, `export-cognito-csv`, `migration-status`, whose work is done in
`proxy_app.migration`). Beside them: `target` (where the commands act, and how they fail:
one line on standard error, exit status 1), `output` (tables, JSON, files), `params`
(the arguments and options they share).

The group is a Flask CLI plugin (setup.cfg's `flask.commands` entry point): `flask --app
wsgi users ...` finds it without loading the app, because loading it in local mode would
start a new, empty emulator. The commands build what they need from the environment, or,
in local mode, from the state file of the running `make run`. A test injects its app
through `app.test_cli_runner()`, whose ScriptInfo builds it. Never loaded in Lambda.
"""

from __future__ import annotations

import click

from proxy_app.cli import groups as group_commands
from proxy_app.cli import migration, user

users = click.Group(
    "users",
    help="Manage the user pool's users and groups; move users from a legacy store into it.",
)

users.add_command(migration.import_users)
users.add_command(migration.export_cognito_csv)
users.add_command(migration.migration_status)
users.add_command(user.list_pool_users)
users.add_command(user.show_user)
users.add_command(user.create_user)
users.add_command(user.confirm_user)
users.add_command(user.disable_user)
users.add_command(user.enable_user)
users.add_command(user.set_password)
users.add_command(user.sign_out_user)
users.add_command(user.delete_user)
users.add_command(group_commands.groups)

__all__ = ["users"]

"""`flask users`, the operator's commands, over moto's server with Flask's CLI runner.

Every test has a pool of its own (user counts and listings are exact). The local-mode
tests run `flask --app wsgi users` as a subprocess, as an operator would, against a state
file that points at the session's moto server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from proxy_app import cli
from proxy_app.aws.table import Records
from proxy_app.cli.local_service import LocalState, write_state
from proxy_app.cli.target import NO_LOCAL_SERVICE
from tests.support import ROOT
from tests.support.cognito import PASSWORD, Pool, admin_sign_in, unique_username
from tests.support.network import closed_port
from tests.support.stubs import cognito_client

SERVICE = "cognito-identity-provider"
WEAK = "short"  # refused by the test pools' policy (8 characters, upper, lower, digits)
FLASK = Path(sys.executable).with_name("flask")


@pytest.fixture
def app(make_app: Callable[..., Flask], fresh_pool: Pool) -> Flask:
    return make_app(fresh_pool)


@pytest.fixture
def table_app(make_app: Callable[..., Flask], fresh_pool: Pool, table: str) -> Flask:
    """An app with the service's table (sign-outs and deletions are recorded there)."""
    return make_app(fresh_pool, records_table=table, dynamodb_endpoint_url=fresh_pool.endpoint)


def invoke(app: Flask, *args: str, input: str | None = None) -> Result:
    """Run `flask users ARGS`; an unexpected exception (a traceback) fails the test."""
    result = app.test_cli_runner().invoke(args=["users", *args], input=input)
    assert result.exc_info is None or result.exc_info[0] is SystemExit, result.exc_info
    assert "Traceback" not in result.output
    return result


def succeeds(app: Flask, *args: str, input: str | None = None) -> Result:
    result = invoke(app, *args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def fails(app: Flask, *args: str, input: str | None = None) -> str:
    """Run a command that must fail with one error line; return that line."""
    result = invoke(app, *args, input=input)
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("Error:")] == lines[-1:], result.stderr
    return lines[-1]


def usage_error(app: Flask, *args: str) -> str:
    """Run a command whose arguments click refuses (exit status 2); return stderr."""
    result = invoke(app, *args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    return result.stderr


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def add_user(
    cognito: Any, pool: Pool, username: str | None = None, *, confirmed: bool = True, **attrs: str
) -> str:
    """Create a user straight in the emulator (not through the CLI)."""
    username = username or unique_username()
    cognito.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": attrs.pop("email", username)}]
        + [{"Name": k, "Value": v} for k, v in attrs.items()],
        MessageAction="SUPPRESS",
    )
    if confirmed:
        cognito.admin_set_user_password(
            UserPoolId=pool.id, Username=username, Password=PASSWORD, Permanent=True
        )
    return username


def user_of(cognito: Any, pool: Pool, username: str) -> dict[str, Any]:
    return dict(cognito.admin_get_user(UserPoolId=pool.id, Username=username))


def exists(cognito: Any, pool: Pool, username: str) -> bool:
    try:
        cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


def calls_of(app: Flask, operation: str) -> list[dict[str, Any]]:
    """Record the parameters of every call of `operation` the app's client makes."""
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    events = cognito_client(app).meta.events
    events.register(f"provide-client-params.{SERVICE}.{operation}", record)
    return seen


# --- list ----------------------------------------------------------------------------


def test_list_prints_an_aligned_table_of_every_user(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    short = add_user(cognito, fresh_pool, "al@example.com")
    long = add_user(cognito, fresh_pool, "bartholomew-the-long@example.com", confirmed=False)
    lines = succeeds(app, "list").stdout.splitlines()
    assert lines[0].split() == ["USERNAME", "STATUS", "ENABLED", "EMAIL", "CREATED"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {short, long}
    assert rows[short].split()[1:4] == ["CONFIRMED", "yes", short]
    assert rows[long].split()[1:4] == ["FORCE_CHANGE_PASSWORD", "yes", long]
    # Aligned: every column starts at the same place on every line.
    status_at = lines[0].index("STATUS")
    assert all(line[status_at - 2 : status_at] == "  " for line in lines)
    assert {line.index(" CONFIRMED") for line in lines if " CONFIRMED" in line} == {status_at - 1}


def test_list_json_shape(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool, given_name="Ada")
    answer = as_json(succeeds(app, "list", "--json"))
    assert set(answer) == {"users", "more", "filter", "filteredHere"}
    assert answer["more"] is False
    assert answer["filter"] is None and answer["filteredHere"] == []
    (user,) = answer["users"]
    assert set(user) == {"username", "status", "enabled", "created", "modified", "attributes"}
    assert user["username"] == username
    assert user["status"] == "CONFIRMED"
    assert user["enabled"] is True
    assert user["created"].startswith("20")
    assert user["attributes"]["given_name"] == "Ada"
    assert user["attributes"]["email"] == username


def test_list_of_an_empty_pool_says_so(app: Flask) -> None:
    result = succeeds(app, "list")
    assert result.stdout == ""
    assert result.stderr == "no users\n"


def listed(app: Flask, *args: str) -> list[str]:
    return sorted(
        user["username"] for user in as_json(succeeds(app, "list", "--json", *args))["users"]
    )


def test_list_filters_on_an_attribute_in_cognito(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    ada = add_user(cognito, fresh_pool, "ada@example.com")
    add_user(cognito, fresh_pool, "adam@example.org")
    add_user(cognito, fresh_pool, "bob@example.com")
    filters = calls_of(app, "ListUsers")
    assert listed(app, "--attribute", f"email={ada}") == [ada]
    assert filters[-1]["Filter"] == f'email = "{ada}"'
    assert listed(app, "-a", "email^=ada") == ["ada@example.com", "adam@example.org"]
    assert filters[-1]["Filter"] == 'email ^= "ada"'


def test_list_filters_on_status_and_enabled(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    confirmed = add_user(cognito, fresh_pool)
    waiting = add_user(cognito, fresh_pool, confirmed=False)
    disabled = add_user(cognito, fresh_pool)
    cognito.admin_disable_user(UserPoolId=fresh_pool.id, Username=disabled)
    filters = calls_of(app, "ListUsers")
    assert listed(app, "--status", "force_change_password") == [waiting]
    assert filters[-1]["Filter"] == 'cognito:user_status = "FORCE_CHANGE_PASSWORD"'
    assert listed(app, "--disabled") == [disabled]
    assert filters[-1]["Filter"] == 'status = "Disabled"'
    assert listed(app, "--enabled") == sorted([confirmed, waiting])


def test_list_sends_one_filter_and_applies_the_others_here_saying_so(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    ada = add_user(cognito, fresh_pool, "ada@example.com")
    add_user(cognito, fresh_pool, "adam@example.com", confirmed=False)
    ann = add_user(cognito, fresh_pool, "ann@example.com")
    cognito.admin_disable_user(UserPoolId=fresh_pool.id, Username=ann)
    filters = calls_of(app, "ListUsers")
    result = succeeds(app, "list", "--json", "-a", "email^=a", "--status", "CONFIRMED", "--enabled")
    assert [user["username"] for user in as_json(result)["users"]] == [ada]
    assert filters[-1]["Filter"] == 'email ^= "a"'
    assert as_json(result)["filteredHere"] == [
        'cognito:user_status = "CONFIRMED"',
        'status = "Enabled"',
    ]
    assert result.stderr == (
        'note: Cognito\'s ListUsers takes one filter (email ^= "a"); cognito:user_status = '
        '"CONFIRMED" and status = "Enabled" checked here, on every user it lists\n'
    )


def test_list_filters_an_attribute_cognito_cannot_search_here(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    gold = add_user(cognito, fresh_pool, **{"custom:tier": "gold"})
    add_user(cognito, fresh_pool, **{"custom:tier": "silver"})
    add_user(cognito, fresh_pool)  # no tier at all
    filters = calls_of(app, "ListUsers")
    result = succeeds(app, "list", "-a", "custom:tier=gold")
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == [gold]
    assert "Filter" not in filters[-1]
    assert "(none sent)" in result.stderr and 'custom:tier = "gold" checked here' in result.stderr


def test_list_follows_pagination_over_more_than_one_page(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    created = sorted(add_user(cognito, fresh_pool, confirmed=False) for _ in range(70))
    pages = calls_of(app, "ListUsers")
    assert listed(app) == created
    assert [page["Limit"] for page in pages] == [60, 60]
    assert "PaginationToken" not in pages[0] and pages[1]["PaginationToken"]


def test_list_limit_stops_early_and_says_there_are_more(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    for _ in range(12):
        add_user(cognito, fresh_pool, confirmed=False)
    pages = calls_of(app, "ListUsers")
    result = succeeds(app, "list", "--limit", "5", "--page-size", "4")
    assert len(result.stdout.splitlines()) == 1 + 5
    assert result.stderr == "more users than --limit 5: raise it to see them\n"
    assert len(pages) == 2  # 6 users read (5 and one more), in pages of 4
    answer = as_json(succeeds(app, "list", "--json", "--limit", "12", "--page-size", "5"))
    assert len(answer["users"]) == 12 and answer["more"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-a", "email"), "expected NAME=VALUE or NAME^=PREFIX, got 'email'"),
        (("-a", "=x"), "expected NAME=VALUE or NAME^=PREFIX"),
        (("-a", "email="), "expected NAME=VALUE or NAME^=PREFIX"),
        (("--status", "SLEEPING"), "'SLEEPING' is not one of"),
        (("--limit", "0"), "0 is not in the range x>=1"),
        (("--limit", "many"), "'many' is not a valid integer"),
        (("--page-size", "61"), "61 is not in the range 1<=x<=60"),
    ],
)
def test_list_refuses_bad_options(app: Flask, args: tuple[str, ...], message: str) -> None:
    assert message in usage_error(app, "list", *args)


# --- show ----------------------------------------------------------------------------


def test_show_prints_one_user_as_keys_and_values(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool, given_name="Ada")
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="admins")
    cognito.admin_add_user_to_group(UserPoolId=fresh_pool.id, Username=username, GroupName="admins")
    lines = succeeds(app, "show", username).stdout.splitlines()
    values = {line[:15].strip(): line[15:] for line in lines}
    assert values["username"] == username
    assert values["status"] == "CONFIRMED"
    assert values["enabled"] == "yes"
    assert values["groups"] == "admins"
    assert values["MFA"] == "off"
    assert values["given_name"] == "Ada"
    assert values["created"].startswith("20") and values["modified"].startswith("20")
    assert len({line.index(value) for line, value in zip(lines, values.values(), strict=True)}) == 1


def test_show_json_shape(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    answer = as_json(succeeds(app, "show", username, "--json"))
    assert set(answer) == {
        "username",
        "status",
        "enabled",
        "created",
        "modified",
        "attributes",
        "mfa",
        "groups",
    }
    assert answer["mfa"] == {"preferred": None, "enabled": []}
    assert answer["groups"] == []
    assert answer["attributes"]["sub"]


ESCAPES = "Ada\x1b]0;pwned\x07 \u202eevil\x9b2J\x7f\u2066"
ESCAPES_SHOWN = "Ada\\x1b]0;pwned\\x07 \\u202eevil\\x9b2J\\x7f\\u2066"
UNPRINTABLE = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066")


def test_show_prints_terminal_escapes_in_attribute_values_as_text_never_as_escapes(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool, email="ada@example.com", given_name=ESCAPES)
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="staff", Description=ESCAPES)
    cognito.admin_add_user_to_group(UserPoolId=fresh_pool.id, Username=username, GroupName="staff")
    cognito.admin_update_user_attributes(
        UserPoolId=fresh_pool.id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": "ada\x1b[2J@example.com"}],
    )
    shown = succeeds(app, "show", username).stdout
    values = {line[:15].strip(): line[15:] for line in shown.splitlines()}
    assert values["given_name"] == ESCAPES_SHOWN
    listed = succeeds(app, "list").stdout
    assert "ada\\x1b[2J@example.com" in listed
    groups = succeeds(app, "groups", "list").stdout
    assert ESCAPES_SHOWN in groups
    for output in (shown, listed, groups):
        assert not any(character in output for character in UNPRINTABLE), output
    # JSON stays exact: the same value once parsed, with every such character escaped.
    as_text = succeeds(app, "show", username, "--json").stdout
    assert not any(character in as_text for character in UNPRINTABLE)
    assert json.loads(as_text)["attributes"]["given_name"] == ESCAPES
    assert json.loads(succeeds(app, "groups", "list", "--json").stdout)["groups"] == [
        {"name": "staff", "description": ESCAPES, "precedence": None}
    ]


def test_show_an_unknown_user_is_one_line(app: Flask) -> None:
    assert fails(app, "show", "nobody@example.com") == "Error: no user named nobody@example.com"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Missing argument 'USERNAME'"),
        (("",), "the username is empty"),
        (("   ",), "the username is empty"),
        (("a" * 129,), "a username has at most 128 characters"),
        (("ada\n",), "a username has no control character"),
    ],
)
def test_show_refuses_a_bad_username(app: Flask, args: tuple[str, ...], message: str) -> None:
    assert message in usage_error(app, "show", *args)


# --- create --------------------------------------------------------------------------


def test_create_with_a_temporary_password_and_attributes(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = unique_username()
    calls = calls_of(app, "AdminCreateUser")
    result = succeeds(
        app,
        "create",
        username,
        "--temporary-password",
        "Temp0rary-pass",
        "-a",
        f"email={username}",
        "--attribute",
        "custom:tier=gold",
    )
    assert result.stdout == f"created {username} (FORCE_CHANGE_PASSWORD)\n"
    attributes = {
        a["Name"]: a["Value"] for a in user_of(cognito, fresh_pool, username)["UserAttributes"]
    }
    assert attributes["email"] == username and attributes["custom:tier"] == "gold"
    assert calls[0]["TemporaryPassword"] == "Temp0rary-pass"
    assert "MessageAction" not in calls[0]  # Cognito sends the invitation
    challenge = admin_sign_in(cognito, fresh_pool, username, "Temp0rary-pass")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_create_without_a_password_says_cognito_sends_the_invitation(app: Flask) -> None:
    username = unique_username()
    result = succeeds(app, "create", username, "-a", f"email={username}")
    assert result.stdout == (
        f"created {username} (FORCE_CHANGE_PASSWORD)\n"
        "invited: Cognito sends the temporary password to the user's email or phone\n"
    )


def test_create_suppress_message_sends_no_invitation(app: Flask) -> None:
    calls = calls_of(app, "AdminCreateUser")
    answer = as_json(succeeds(app, "create", unique_username(), "--suppress-message", "--json"))
    assert calls[0]["MessageAction"] == "SUPPRESS"
    assert "TemporaryPassword" not in calls[0]
    assert answer["status"] == "FORCE_CHANGE_PASSWORD"


def test_create_with_a_permanent_password_confirms_the_user(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = unique_username()
    calls = calls_of(app, "AdminCreateUser")
    answer = as_json(succeeds(app, "create", username, "--password", PASSWORD, "--json"))
    assert answer["username"] == username and answer["status"] == "CONFIRMED"
    assert calls[0]["MessageAction"] == "SUPPRESS"  # no invitation with a temporary one
    assert "AccessToken" in admin_sign_in(cognito, fresh_pool, username)["AuthenticationResult"]


def test_create_with_a_password_the_policy_refuses_creates_nobody(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = unique_username()
    line = fails(app, "create", username, "--password", WEAK)
    assert line.startswith("Error: password refused: ")
    assert line.endswith(f"; {username} was not created")
    assert WEAK not in line
    assert not exists(cognito, fresh_pool, username)


def test_create_an_existing_user_is_one_line(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    assert fails(app, "create", username) == f"Error: a user named {username} exists already"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-a", "email"), "expected NAME=VALUE, got 'email'"),
        (("-a", "=ada@example.com"), "expected NAME=VALUE"),
        (("-a", "email=a@example.com", "-a", "email=b@example.com"), "email is given twice"),
        (("--password", PASSWORD, "--temporary-password", PASSWORD), "not both"),
        (("--password",), "'--password' requires an argument"),
    ],
)
def test_create_refuses_bad_arguments(
    app: Flask, cognito: Any, fresh_pool: Pool, args: tuple[str, ...], message: str
) -> None:
    username = unique_username()
    assert message in usage_error(app, "create", username, *args)
    assert not exists(cognito, fresh_pool, username)


def test_create_without_a_username_is_a_usage_error(app: Flask) -> None:
    assert "Missing argument 'USERNAME'" in usage_error(app, "create")


# --- confirm, disable, enable --------------------------------------------------------


def test_confirm_an_unconfirmed_sign_up(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = unique_username()
    cognito.sign_up(ClientId=fresh_pool.client_id, Username=username, Password=PASSWORD)
    assert user_of(cognito, fresh_pool, username)["UserStatus"] == "UNCONFIRMED"
    assert succeeds(app, "confirm", username).stdout == f"confirmed {username}\n"
    assert user_of(cognito, fresh_pool, username)["UserStatus"] == "CONFIRMED"


def test_disable_then_enable(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    assert succeeds(app, "disable", username).stdout == f"disabled {username}\n"
    assert user_of(cognito, fresh_pool, username)["Enabled"] is False
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        admin_sign_in(cognito, fresh_pool, username)
    answer = as_json(succeeds(app, "enable", username, "--json"))
    assert answer == {"username": username, "result": "enabled"}
    assert user_of(cognito, fresh_pool, username)["Enabled"] is True


@pytest.mark.parametrize("command", ["confirm", "disable", "enable", "sign-out", "delete"])
def test_an_unknown_user_is_one_line(app: Flask, command: str) -> None:
    assert fails(app, command, "ghost@example.com") == "Error: no user named ghost@example.com"


@pytest.mark.parametrize(
    "command", ["confirm", "disable", "enable", "set-password", "sign-out", "delete"]
)
def test_a_missing_username_is_a_usage_error(app: Flask, command: str) -> None:
    assert "Missing argument 'USERNAME'" in usage_error(app, command)


# --- set-password --------------------------------------------------------------------


def test_set_password_asks_with_hidden_input(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    new = "N3w-password-x"
    result = succeeds(app, "set-password", username, input=f"{new}\n{new}\n")
    assert result.stdout == f"password set for {username} (permanent)\n"
    assert new not in result.output  # not echoed
    assert "new password for" in result.stderr and "Repeat for confirmation" in result.stderr
    signed_in = admin_sign_in(cognito, fresh_pool, username, new)
    assert "AccessToken" in signed_in["AuthenticationResult"]


def test_set_password_temporary_from_stdin(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    result = succeeds(
        app,
        "set-password",
        username,
        "--temporary",
        "--password-stdin",
        "--json",
        input="T3mp-pass-word\n",
    )
    assert as_json(result) == {"username": username, "result": "password set", "permanent": False}
    assert user_of(cognito, fresh_pool, username)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert admin_sign_in(cognito, fresh_pool, username, "T3mp-pass-word")["ChallengeName"] == (
        "NEW_PASSWORD_REQUIRED"
    )


def test_set_password_on_the_command_line(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    succeeds(app, "set-password", username, "--password", "Opt10n-password")
    assert admin_sign_in(cognito, fresh_pool, username, "Opt10n-password")["AuthenticationResult"]


def test_set_password_refused_by_the_policy(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    line = fails(app, "set-password", username, "--password-stdin", input=f"{WEAK}\n")
    assert line.startswith("Error: password refused: ") and WEAK not in line
    assert admin_sign_in(cognito, fresh_pool, username)["AuthenticationResult"]  # unchanged


def test_set_password_with_nothing_on_stdin(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    assert fails(app, "set-password", username, "--password-stdin", input="") == (
        "Error: no password on standard input"
    )


def test_set_password_prompt_must_match(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    result = invoke(app, "set-password", username, input="N3w-password-x\nN3w-password-y\n")
    assert result.exit_code != 0
    assert "The two entered values do not match" in result.stderr
    assert admin_sign_in(cognito, fresh_pool, username)["AuthenticationResult"]  # unchanged


def test_set_password_for_an_unknown_user(app: Flask) -> None:
    line = fails(app, "set-password", "ghost@example.com", "--password", PASSWORD)
    assert line == "Error: no user named ghost@example.com"


def test_set_password_refuses_two_sources(app: Flask) -> None:
    message = usage_error(app, "set-password", "ada", "--password", "x", "--password-stdin")
    assert "give --password-stdin or --password, not both" in message


# --- sign-out ------------------------------------------------------------------------


def test_sign_out_revokes_refresh_tokens(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    refresh = admin_sign_in(cognito, fresh_pool, username)["AuthenticationResult"]["RefreshToken"]
    answer = as_json(succeeds(app, "sign-out", username, "--json"))
    assert answer == {"username": username, "result": "signed out", "recorded": False}
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=fresh_pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )


def test_sign_out_is_recorded_in_the_service_table(
    table_app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool)
    sub = _sub(cognito, fresh_pool, username)
    records: Records = table_app.extensions["records"]
    before = int(time.time()) - 1
    assert not records.is_revoked(sub, before, None)
    assert succeeds(table_app, "sign-out", username).stdout == f"{username} signed out\n"
    # Id tokens issued before it are refused now, as after POST /signout.
    assert records.is_revoked(sub, before, None)


def test_sign_out_revokes_the_id_token_through_the_api(
    make_app: Callable[..., Flask], cognito: Any, fresh_pool: Pool, table: str
) -> None:
    checking = make_app(
        fresh_pool,
        records_table=table,
        dynamodb_endpoint_url=fresh_pool.endpoint,
        token_revocation_check=True,
    )
    username = add_user(cognito, fresh_pool)
    client = checking.test_client()
    id_token = client.post("/admin/signin", json={"username": username, "password": PASSWORD}).json[
        "idToken"
    ]  # type: ignore[index]
    header = {"idToken": id_token}
    assert client.get("/token/valid", headers=header).status_code == 200
    succeeds(checking, "sign-out", username)
    assert client.get("/token/valid", headers=header).status_code == 401


def _sub(cognito: Any, pool: Pool, username: str) -> str:
    attributes = user_of(cognito, pool, username)["UserAttributes"]
    return str(next(a["Value"] for a in attributes if a["Name"] == "sub"))


# --- delete --------------------------------------------------------------------------


def test_delete_asks_and_no_keeps_the_user(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    line = fails(app, "delete", username, input="n\n")
    assert line == f"Error: {username} was not deleted"
    assert exists(cognito, fresh_pool, username)


def test_delete_asks_and_yes_deletes(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    result = succeeds(app, "delete", username, input="y\n")
    assert f"delete {username} (CONFIRMED) from {fresh_pool.id}? [y/N]" in result.stderr
    assert result.stdout == f"deleted {username}\n"
    assert not exists(cognito, fresh_pool, username)


def test_delete_yes_does_not_ask_and_records_the_deletion(
    table_app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool)
    result = succeeds(table_app, "delete", username, "--yes", "--json")
    assert result.stderr == ""
    assert as_json(result) == {"username": username, "result": "deleted", "recorded": True}
    assert not exists(cognito, fresh_pool, username)
    # Migration from a legacy store will not bring it back, as after DELETE /admin/user.
    assert table_app.extensions["records"].is_deleted(username)


def test_delete_an_unknown_user_does_not_ask(app: Flask) -> None:
    result = invoke(app, "delete", "ghost@example.com")
    assert result.exit_code == 1
    assert "[y/N]" not in result.output


# --- groups --------------------------------------------------------------------------


def test_groups_add_list_remove(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    cognito.create_group(
        UserPoolId=fresh_pool.id, GroupName="admins", Description="Can do all", Precedence=1
    )
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="staff")
    assert (
        succeeds(app, "groups", "add", username, "admins").stdout == f"{username} added to admins\n"
    )
    lines = succeeds(app, "groups", "list").stdout.splitlines()
    assert lines[0].split() == ["GROUP", "PRECEDENCE", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == ["admins", "staff"]
    assert lines[1].split(maxsplit=2) == ["admins", "1", "Can do all"]
    answer = as_json(succeeds(app, "groups", "list", username, "--json"))
    assert answer == {
        "username": username,
        "groups": [{"name": "admins", "description": "Can do all", "precedence": 1}],
    }
    removed = as_json(succeeds(app, "groups", "remove", username, "admins", "--json"))
    assert removed == {"username": username, "result": "removed from admins", "group": "admins"}
    result = succeeds(app, "groups", "list", username)
    assert result.stdout == "" and result.stderr == f"{username} is in no group\n"
    pool_groups = as_json(succeeds(app, "groups", "list", "--json"))["groups"]
    assert [group["name"] for group in pool_groups] == ["admins", "staff"]


def test_groups_unknown_group_and_unknown_user(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="admins")
    # Adding to a group that does not exist says how to make it.
    assert fails(app, "groups", "add", username, "nope") == (
        "Error: no group named nope; create it with: flask users groups create nope"
    )
    assert fails(app, "groups", "add", username, "the staff") == (
        "Error: no group named the staff; create it with: flask users groups create 'the staff'"
    )
    assert fails(app, "groups", "remove", username, "nope") == "Error: no group named nope"
    assert fails(app, "groups", "add", "ghost", "admins") == "Error: no user named ghost"
    assert fails(app, "groups", "list", "ghost") == "Error: no user named ghost"


def test_groups_create_add_delete(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = add_user(cognito, fresh_pool)
    assert succeeds(app, "groups", "create", "admins").stdout == "created group admins\n"
    created = succeeds(
        app,
        "groups",
        "create",
        "staff",
        "--description",
        "The staff",
        "--precedence",
        "3",
        "--json",
    )
    assert as_json(created) == {
        "group": "staff",
        "result": "created",
        "description": "The staff",
        "precedence": 3,
    }
    staff = cognito.get_group(UserPoolId=fresh_pool.id, GroupName="staff")["Group"]
    assert (staff["Description"], staff["Precedence"]) == ("The staff", 3)
    # The group `groups add` dead-ended on before there was `groups create`.
    succeeds(app, "groups", "add", username, "admins")
    assert as_json(succeeds(app, "groups", "list", username, "--json"))["groups"][0]["name"] == (
        "admins"
    )
    assert succeeds(app, "groups", "delete", "admins", "--yes").stdout == "deleted group admins\n"
    groups = cognito.list_groups(UserPoolId=fresh_pool.id)["Groups"]
    assert [group["GroupName"] for group in groups] == ["staff"]
    assert exists(cognito, fresh_pool, username)  # its members stay in the pool
    deleted = succeeds(app, "groups", "delete", "staff", "-y", "--json")
    assert as_json(deleted) == {"group": "staff", "result": "deleted"}
    assert succeeds(app, "groups", "list").stderr == (
        "no groups (flask users groups create NAME makes one)\n"
    )


def test_groups_create_an_existing_group_delete_a_missing_one(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="admins", Description="Kept")
    assert fails(app, "groups", "create", "admins") == "Error: a group named admins exists already"
    kept = cognito.get_group(UserPoolId=fresh_pool.id, GroupName="admins")["Group"]
    assert kept["Description"] == "Kept"
    assert fails(app, "groups", "delete", "nope", "--yes") == "Error: no group named nope"
    # An unknown group is an error before any question.
    result = invoke(app, "groups", "delete", "nope")
    assert result.exit_code == 1
    assert "[y/N]" not in result.output


def test_groups_delete_asks_first(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="admins")
    kept = invoke(app, "groups", "delete", "admins", input="n\n")
    assert kept.exit_code == 1
    assert kept.stderr.startswith(
        f"delete group admins from {fresh_pool.id}? (its members stay in the pool) [y/N]"
    )
    assert kept.stderr.endswith("Error: group admins was not deleted\n")
    assert cognito.list_groups(UserPoolId=fresh_pool.id)["Groups"]
    deleted = invoke(app, "groups", "delete", "admins", input="y\n")
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stdout == "deleted group admins\n"
    assert cognito.list_groups(UserPoolId=fresh_pool.id)["Groups"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create",), "Missing argument 'GROUP'"),
        (("create", ""), "the group name is empty"),
        (("create", "g", "--precedence", "-1"), "-1 is not in the range 0<=x<=2147483647"),
        (("create", "g", "--precedence", "x"), "'x' is not a valid integer"),
        (("create", "g", "--description", "d" * 2049), "at most 2048 characters"),
        (("delete", "g" * 129), "a group name has at most 128 characters"),
        (("add", "ada"), "Missing argument 'GROUP'"),
        (("add",), "Missing argument 'USERNAME'"),
        (("remove", "ada", ""), "the group name is empty"),
        (("add", "ada", "g" * 129), "a group name has at most 128 characters"),
    ],
)
def test_groups_refuse_bad_arguments(app: Flask, args: tuple[str, ...], message: str) -> None:
    assert message in usage_error(app, "groups", *args)


# --- failures of Cognito itself ------------------------------------------------------


def test_cognito_unreachable_is_one_line(make_app: Callable[..., Flask], fresh_pool: Pool) -> None:
    app = make_app(fresh_pool, endpoint_url=f"http://127.0.0.1:{closed_port()}")
    line = fails(app, "show", "ada@example.com")
    assert line.startswith("Error: Cognito did not answer (EndpointConnectionError)")


def test_an_unknown_pool_is_one_line(make_app: Callable[..., Flask], fresh_pool: Pool) -> None:
    app = make_app(fresh_pool, user_pool_id="us-east-1_doesnotexist")
    line = fails(app, "list")
    assert line.startswith("Error: Cognito refused: ResourceNotFoundException")


# --- local mode: the emulator of the running `make run` ------------------------------


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of an operator's shell in local mode (no COGNITO_USER_POOL_ID)."""
    yield {
        **{k: v for k, v in os.environ.items() if not k.startswith("COGNITO_")},
        "LOCAL_STATE_FILE": str(tmp_path / "state" / "local.json"),
    }


def flask_users(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi users ARGS` as an operator would."""
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", "users", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_every_command_without_loading_the_app(environment: dict[str, str]) -> None:
    result = flask_users(environment, "--help")
    assert result.returncode == 0, result.stderr
    commands = _commands(result.stdout)
    assert set(commands) == {
        "list",
        "show",
        "create",
        "confirm",
        "disable",
        "enable",
        "set-password",
        "sign-out",
        "delete",
        "groups",
        "import",
        "export-cognito-csv",
        "migration-status",
    }
    assert "LOCAL MODE" not in result.stderr  # wsgi.py was not loaded
    groups = flask_users(environment, "groups", "--help")
    assert _commands(groups.stdout) == ["add", "create", "delete", "list", "remove"]


def _commands(help_text: str) -> list[str]:
    """The command names a --help lists."""
    return [
        line.split()[0] for line in help_text.split("Commands:")[1].splitlines() if line.strip()
    ]


def test_local_mode_without_a_running_service_says_so(environment: dict[str, str]) -> None:
    result = flask_users(environment, "list")
    assert result.returncode == 1
    assert result.stderr == f"Error: {NO_LOCAL_SERVICE}\n"
    assert result.stdout == ""
    assert "LOCAL MODE" not in result.stderr  # no emulator was started


def test_local_mode_acts_on_the_running_services_emulator(
    environment: dict[str, str], cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool)
    write_state(
        LocalState(
            endpoint_url=fresh_pool.endpoint,
            region="us-east-1",
            user_pool_id=fresh_pool.id,
            app_client_id=fresh_pool.client_id,
            records_table=None,
            pid=os.getpid(),  # this process stands for `make run`
        ),
        Path(environment["LOCAL_STATE_FILE"]),
    )
    listed = flask_users(environment, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [user["username"] for user in json.loads(listed.stdout)["users"]] == [username]
    disabled = flask_users(environment, "disable", username)
    assert disabled.returncode == 0, disabled.stderr
    assert user_of(cognito, fresh_pool, username)["Enabled"] is False


def test_local_mode_in_process_starts_no_emulator(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import local_cognito.mode

    def forbidden(*_: Any) -> Any:
        raise AssertionError("the CLI started an emulator")

    monkeypatch.setattr(local_cognito.mode, "start_local_cognito", forbidden)
    monkeypatch.delenv("COGNITO_USER_POOL_ID", raising=False)
    monkeypatch.setenv("LOCAL_STATE_FILE", environment["LOCAL_STATE_FILE"])
    result = CliRunner().invoke(cli.users, ["show", "ada"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {NO_LOCAL_SERVICE}\n"


def test_json_of_the_other_changes(app: Flask, cognito: Any, fresh_pool: Pool) -> None:
    username = unique_username()
    cognito.sign_up(ClientId=fresh_pool.client_id, Username=username, Password=PASSWORD)
    cognito.create_group(UserPoolId=fresh_pool.id, GroupName="staff")
    assert as_json(succeeds(app, "confirm", username, "--json")) == {
        "username": username,
        "result": "confirmed",
    }
    assert as_json(succeeds(app, "disable", username, "--json")) == {
        "username": username,
        "result": "disabled",
    }
    assert as_json(succeeds(app, "groups", "add", username, "staff", "--json")) == {
        "username": username,
        "result": "added to staff",
        "group": "staff",
    }


def test_outside_local_mode_the_commands_read_the_environment(
    monkeypatch: pytest.MonkeyPatch, cognito: Any, fresh_pool: Pool
) -> None:
    username = add_user(cognito, fresh_pool)
    monkeypatch.setenv("COGNITO_USER_POOL_ID", fresh_pool.id)
    monkeypatch.setenv("COGNITO_APP_CLIENT_ID", fresh_pool.client_id)
    monkeypatch.setenv("COGNITO_ENDPOINT_URL", fresh_pool.endpoint)
    result = CliRunner().invoke(cli.users, ["list", "--json"])
    assert result.exit_code == 0, result.output
    assert [user["username"] for user in json.loads(result.stdout)["users"]] == [username]


def test_a_bad_environment_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "nope")
    result = CliRunner().invoke(cli.users, ["list"])
    assert result.exit_code == 1
    assert result.stderr == "Error: COGNITO_USER_POOL_ID: not a user pool id (region_xxxx)\n"


def test_local_mode_in_process_reads_the_state_file(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    cognito: Any,
    fresh_pool: Pool,
    table: str,
) -> None:
    username = add_user(cognito, fresh_pool)
    state = Path(environment["LOCAL_STATE_FILE"])
    write_state(
        LocalState(
            fresh_pool.endpoint,
            "us-east-1",
            fresh_pool.id,
            fresh_pool.client_id,
            table,
            os.getpid(),
        ),
        state,
    )
    monkeypatch.setenv("LOCAL_STATE_FILE", str(state))
    result = CliRunner().invoke(cli.users, ["delete", username, "--yes"])
    assert result.exit_code == 0, result.output
    assert not exists(cognito, fresh_pool, username)
    # The deletion went to the running service's table, named in its state file.
    config = fresh_pool.config(records_table=table, dynamodb_endpoint_url=fresh_pool.endpoint)
    assert Records(config).is_deleted(username)


def test_an_app_already_loaded_is_the_one_acted_on(
    app: Flask, cognito: Any, fresh_pool: Pool
) -> None:
    """As when FlaskGroup loaded the app (the plugin not installed) and pushed its context."""
    username = add_user(cognito, fresh_pool)
    with app.app_context():
        result = CliRunner().invoke(cli.users, ["show", username, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["username"] == username

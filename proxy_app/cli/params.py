"""The arguments and options the commands share: names as Cognito takes them, conditions
on a user (`list --attribute`), NAME=VALUE attributes (`create --attribute`), `--json`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from proxy_app.core.models import User

F = TypeVar("F", bound=Callable[..., Any])

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

    def matches(self, user: User) -> bool:
        """Apply it here, to a user ListUsers answered."""
        actual = _field(user, self.name)
        if actual is None:
            return False
        return actual == self.value if self.operator == "=" else actual.startswith(self.value)


def _field(user: User, name: str) -> str | None:
    if name == "username":
        return user.username
    if name == "cognito:user_status":
        return user.status or ""
    if name == "status":
        return "Enabled" if user.enabled else "Disabled"
    return user.attributes.get(name)


def read_conditions(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> list[Condition]:
    """Read NAME=VALUE and NAME^=PREFIX options as conditions on a user."""
    found = []
    for value in values:
        match = _CONDITION.fullmatch(value)
        if match is None:
            raise click.BadParameter(
                f"expected NAME=VALUE or NAME^=PREFIX, got {value!r}", ctx, param
            )
        found.append(Condition(match["name"], match["operator"], match["value"]))
    return found


def read_attributes(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    """Read NAME=VALUE options as attributes, each named once."""
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

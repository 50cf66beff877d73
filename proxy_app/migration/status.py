"""Where the migration stands: each legacy user found in the pool (by username, or by
the alias the pool signs in with) and counted by status, for `flask users migration-status`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from proxy_app.migration.policy import WITHOUT_PASSWORD

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.legacy import LegacySource

ABSENT = "ABSENT"


class CognitoStatuses:
    """Every user of the pool by username (and by alias, where the pool signs in by one)."""

    def __init__(self, case_sensitive: bool) -> None:
        self._case_sensitive = case_sensitive
        self._status: dict[str, str] = {}
        self._user_of: dict[str, str] = {}  # alias key -> the user's own key
        self.users = 0

    @classmethod
    def of(cls, gateway: CognitoGateway) -> CognitoStatuses:
        """List the pool with ListUsers, a page at a time."""
        user_pool = gateway.describe_user_pool()
        statuses = cls(user_pool.case_sensitive)
        # In a pool that signs in by email or phone, Username is a generated id and the
        # legacy username is found in that attribute.
        for user in gateway.list_users():
            key = statuses._key(user.username)
            statuses._status[key] = user.status or "UNKNOWN"
            statuses.users += 1
            for alias in user_pool.username_attributes:
                if user.attributes.get(alias):
                    statuses._user_of.setdefault(statuses._key(user.attributes[alias]), key)
        return statuses

    def find(self, username: str) -> tuple[str | None, str]:
        """Return the matching user's key and status, or (None, "ABSENT")."""
        key = self._key(username)
        if key not in self._status:
            key = self._user_of.get(key, key)
        if key not in self._status:
            return None, ABSENT
        return key, self._status[key]

    def _key(self, name: str) -> str:
        return name if self._case_sensitive else name.casefold()


def migration_status(
    gateway: CognitoGateway,
    source: LegacySource,
    each_user: Callable[[str, str], None] = lambda _username, _status: None,
) -> dict[str, int]:
    """Count legacy users by where they stand in Cognito; call `each_user` for each one."""
    statuses = CognitoStatuses.of(gateway)
    counts = dict.fromkeys(
        ("legacyUsers", "inCognito", "withPassword", "withoutPassword", "otherStatus"), 0
    )
    matched: set[str] = set()
    for user in source.iter_users():
        counts["legacyUsers"] += 1
        key, status = statuses.find(user.username)
        each_user(user.username, status)
        if key is None:
            continue
        matched.add(key)
        counts["inCognito"] += 1
        if status == "CONFIRMED":
            counts["withPassword"] += 1
        elif status in WITHOUT_PASSWORD:
            counts["withoutPassword"] += 1
        else:
            counts["otherStatus"] += 1
    counts["absent"] = counts["legacyUsers"] - counts["inCognito"]
    counts["pending"] = counts["withoutPassword"] + counts["absent"]
    counts["cognitoOnly"] = statuses.users - len(matched)
    return counts

"""The migration policy: who may be created, who may be completed with a legacy password,
and who stays deleted. Sign-in and reset in the proxy, the bulk import, the User Migration
trigger and the commands that delete or set passwords all ask it; none has its own copy.

The rules:
- the legacy row names the user: its `username` is the Cognito username looked up,
  created, completed and checked against deletion records, never what a caller typed;
- a legacy user whose hash can never verify (locked in the legacy system) never migrates;
- an account deleted through this service (recorded under its username, and its email in
  a pool that signs in by email) is never created again;
- only an account that migration or the bulk import created, and whose password has not
  been set since, is completed with a legacy password: an invitation, an administrator's
  reset or a password set in Cognito is never overridden. The mark is kept in the
  service's table and ends when the password is set.
Names are compared as the pool compares them: without case in a case-insensitive pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proxy_app.aws.table import Records
    from proxy_app.core.models import UserPool
    from proxy_app.legacy import LegacyUser

# Statuses of users that exist in Cognito without a password of their own.
WITHOUT_PASSWORD = frozenset({"FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"})

# Why a legacy user is not migrated (the `reason` of the log line).
LOCKED_IN_LEGACY_STORE = "locked-in-legacy-store"
DISABLED_IN_LEGACY_STORE = "disabled-in-legacy-store"
DELETED = "deleted-through-this-service"


class MigrationPolicy:
    """The rules above, over the service's table and the pool's naming."""

    def __init__(self, records: Records | None, pool: Callable[[], UserPool] | None = None) -> None:
        self._records = records
        self._describe = pool
        self._names: UserPool | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> UserPool | None:
        """The pool's naming, read at first use; None where it cannot be read (the
        trigger), and names are then checked in every form."""
        if self._names is None and self._describe is not None:
            with self._lock:
                if self._names is None:
                    self._names = self._describe()
        return self._names

    def same_user(self, first: str, second: str) -> bool:
        """Whether the pool takes the two names for one user."""
        return self._keys(first) == self._keys(second) if self.pool else first == second

    # --- Who may be created -------------------------------------------------------------

    def refusal(self, legacy: LegacyUser) -> str | None:
        """Why this legacy user may not be migrated (created or completed), or None."""
        if not legacy.password_usable:
            return LOCKED_IN_LEGACY_STORE
        if legacy.disabled:
            return DISABLED_IN_LEGACY_STORE
        if self.deleted(legacy.username, legacy.attributes.get("email")):
            return DELETED
        return None

    def deleted(self, username: str, email: str | None = None) -> bool:
        """Whether an account of this name (or, in a pool that signs in by email, this
        email) was deleted through the service."""
        if self._records is None:
            return False
        names = [*self._keys(username)]
        if email and (self.pool is None or self.pool.signs_in_by_email):
            names += self._keys(email)
        return self._records.any_deleted(tuple(dict.fromkeys(names)))

    def record_deletion(
        self, username: str, sub: str, email_of: Callable[[], str | None] = lambda: None
    ) -> None:
        """Record, before the account goes, that it was deleted through the service: under
        its username and, in a pool that signs in by email (where the username is an id
        and migration looks users up by email), under its email (`email_of` reads it)."""
        if self._records is None:
            return
        pool = self.pool
        names = [self._key(username)]
        email = email_of() if pool is None or pool.signs_in_by_email else None
        if email:
            names.append(self._key(email))
        for name in dict.fromkeys(names):
            self._records.record_deletion(name, sub)

    # --- Who may be completed with a legacy password ------------------------------------

    def creating(self, username: str) -> bool:
        """Mark an account migration (or the bulk import) is about to create, before it
        does; False when it was marked already (an earlier run, a concurrent sign-in)."""
        return self._records is not None and self._records.record_pending(self._key(username))

    def not_created(self, username: str, *, marked_now: bool) -> None:
        """The create failed or found someone else's account: a mark made for it goes."""
        if marked_now:
            self.password_set(username)

    def may_complete(self, username: str, status: str) -> bool:
        """Whether a legacy password may become this Cognito user's password."""
        return (
            status in WITHOUT_PASSWORD
            and self._records is not None
            and self._records.is_pending(self._key(username))
        )

    def password_set(self, username: str) -> None:
        """The account has a password of its own now (set by migration, a confirmed
        reset, or an administrator): a legacy password never completes it again."""
        if self._records is not None:
            self._records.end_pending(self._key(username))

    # --- Names --------------------------------------------------------------------------

    def _key(self, name: str) -> str:
        pool = self.pool
        return name if pool is None or pool.case_sensitive else name.casefold()

    def _keys(self, name: str) -> tuple[str, ...]:
        if self.pool is not None:
            return (self._key(name),)
        # Unknown pool: a record under either form counts.
        return tuple(dict.fromkeys((name, name.casefold())))

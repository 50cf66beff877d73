"""Bulk import, under `flask users import`: legacy users created in Cognito, paced,
resumable and bounded, with a report of what became of each.

Nothing here knows click or Flask: it works on the gateway and a legacy source, raises
domain errors, and reports users by username and reason code, never a password or hash.
Cognito's CSV files are `cognito_csv.py`'s; where the migration stands is `status.py`'s.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proxy_app.core.errors import (
    CognitoInputRefused,
    CognitoRefused,
    CognitoUnavailable,
    NoCredentials,
)
from proxy_app.legacy import LegacyError, LegacyUser
from proxy_app.migration.cognito_csv import BadRow
from proxy_app.migration.policy import DELETED
from proxy_app.migration.policy import LOCKED_IN_LEGACY_STORE as LOCKED_IN_LEGACY

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.migration.cognito_csv import PoolSchema
    from proxy_app.migration.policy import MigrationPolicy

MIN_RATE = 1.0  # calls per second; throttling never slows an import below it
MAX_RETRIES = 6  # throttled attempts of one user before the run stops: 1+2+...+32 s
BACKOFF_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 32.0

# Cognito's answers that concern one user's data: that user fails, the run goes on.
# Any other refusal (no permission, no such pool, throttling that does not end) would
# fail every user after it, so it stops the run instead.
USER_REFUSALS = frozenset(
    {
        "InvalidParameterException",
        "AliasExistsException",
        "UserLambdaValidationException",
        "InvalidLambdaResponseException",
        "UnexpectedLambdaException",
        "UnsupportedUserStateException",
    }
)
THROTTLED = frozenset({"TooManyRequestsException", "ThrottlingException"})

CREATED, SKIPPED, FAILED, UNATTEMPTED = "created", "skipped", "failed", "unattempted"
ALREADY_IN_COGNITO = "AlreadyInCognito"
DELETED_THROUGH_SERVICE = "DeletedThroughService"
LOCKED_IN_LEGACY_STORE = "LockedInLegacyStore"


@dataclass(frozen=True)
class Outcome:
    """What became of one user."""

    username: str
    result: str
    reason: str | None = None
    attributes: tuple[str, ...] = ()  # names only: values are personal data
    line: int | None = None
    stops_run: bool = False
    detail: str | None = None


class Pacer:
    """Space calls evenly at `rate` per second across threads, with no burst after a pause."""

    def __init__(
        self, rate: float, clock: Callable[[], float], sleep: Callable[[float], object]
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Wait for the next free slot."""
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            self._sleep(slot - now)

    def slow_down(self, seen_rate: float) -> float:
        """Halve the rate (at most once per rate a caller saw); return the rate now."""
        with self._lock:
            if self.rate == seen_rate:
                self.rate = max(MIN_RATE, self.rate / 2)
            return self.rate


class _Abandoned(Exception):
    """The run gave up on this user before its call was sent."""


@dataclass
class ImportReport:
    """Everything the JSON report and the summary say; never a password or hash."""

    source: str
    dry_run: bool
    rate: float
    workers: int
    started: str = field(default_factory=lambda: _now())
    finished: str | None = None
    outcome: str = "running"
    stop_reason: str | None = None
    stop_detail: str | None = None
    total: int | None = None
    created: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[Outcome] = field(default_factory=list)
    unattempted: int = 0
    throttled: int = 0
    final_rate: float | None = None
    seconds: float = 0.0
    _clock_started: float = field(default_factory=time.monotonic)

    def add(self, outcome: Outcome) -> None:
        """Count one user's outcome."""
        if outcome.result == CREATED:
            self.created += 1
        elif outcome.result == SKIPPED:
            reason = outcome.reason or ALREADY_IN_COGNITO
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
        elif outcome.result == FAILED:
            self.failed.append(outcome)
        else:
            self.unattempted += 1

    @property
    def attempted(self) -> int:
        """Users sent to Cognito for creation (skipped ones not counted)."""
        return self.created + len(self.failed)

    @property
    def processed(self) -> int:
        """Users that reached an outcome."""
        return self.created + sum(self.skipped.values()) + len(self.failed)

    def stop(self, reason: str, detail: str) -> None:
        """Record why the run stopped early (the first reason wins)."""
        if self.stop_reason is None:
            self.outcome, self.stop_reason, self.stop_detail = "stopped", reason, detail

    def finish(self) -> None:
        """Close the report: time, outcome, and how many users were never reached."""
        self.finished = _now()
        self.seconds = time.monotonic() - self._clock_started
        if self.outcome == "running":
            self.outcome = "completed"
        if self.total is not None and self.outcome != "completed":
            self.unattempted = max(self.unattempted, self.total - self.processed)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON data."""
        return {
            "command": "users import",
            "source": self.source,
            "dryRun": self.dry_run,
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.seconds, 3),
            "outcome": self.outcome,
            "stopReason": self.stop_reason,
            "stopDetail": self.stop_detail,
            "rate": self.rate,
            "finalRate": self.final_rate,
            "workers": self.workers,
            "counts": {
                "total": self.total,
                "created": self.created,
                "skipped": sum(self.skipped.values()),
                "failed": len(self.failed),
                "unattempted": self.unattempted,
            },
            "skipped": dict(sorted(self.skipped.items())),
            "throttled": self.throttled,
            "failed": [_failure_json(outcome) for outcome in self.failed],
        }


class BulkImport:
    """Create users from an iterable of legacy users, paced, resumable and bounded."""

    def __init__(
        self,
        gateway: CognitoGateway,
        schema: PoolSchema,
        report: ImportReport,
        *,
        policy: MigrationPolicy | None = None,
        limit: int | None = None,
        notice: Callable[[str], None] = lambda _message: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gateway = gateway
        self._schema = schema
        self.report = report
        self._policy = policy
        self._limit = limit
        self._notice = notice
        # Set when the users handed to workers but not yet sent must give up: every wait
        # (pacing, back-off) ends at once, and no call is made.
        self._abandon = threading.Event()
        self._throttled_lock = threading.Lock()
        self._pacer = Pacer(report.rate, clock, self._abandon.wait)

    def run(self, items: Iterable[LegacyUser | BadRow], advance: Callable[[int], None]) -> None:
        """Import every item; stop early on a failure that would fail every user after it."""
        report = self.report
        in_flight: set[Future[Outcome]] = set()
        workers = report.workers

        def settle(finished: Iterable[Future[Outcome]]) -> None:
            for future in finished:
                in_flight.discard(future)
                outcome = future.result()
                report.add(outcome)
                advance(1)
                if outcome.stops_run:
                    report.stop(outcome.reason or "Unknown", _stop_detail(outcome))

        def settle_one() -> None:
            settle(wait(in_flight, return_when=FIRST_COMPLETED).done)

        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="users-import")
        try:
            try:
                for item in items:
                    if self._abandon.is_set():
                        break
                    if isinstance(item, BadRow):
                        report.add(Outcome("", FAILED, item.reason, line=item.line))
                        advance(1)
                        continue
                    if self._limit is not None:
                        while in_flight and report.attempted + len(in_flight) >= self._limit:
                            settle_one()
                        if report.attempted >= self._limit:
                            report.outcome = "limited"
                            break
                    while len(in_flight) >= 2 * workers:
                        settle_one()
                    in_flight.add(executor.submit(self._import_one, item))
            except LegacyError as exc:
                # The message says which store failed, never a username or a row; the
                # users already read are fine and finish.
                report.stop(type(exc).__name__, str(exc))
            settle(wait(in_flight).done)
        except KeyboardInterrupt:
            report.outcome = "interrupted"
            self._notice(f"finishing the {len(in_flight)} users under way (Ctrl-C again: abandon)")
            # Each is bounded by the pacer and the client's timeouts, and the report
            # then knows whether they were created.
            settle(wait(in_flight).done)
        finally:
            # After a second Ctrl-C (or any other escape), nothing more is sent.
            self._abandon.set()
            executor.shutdown(wait=True)
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a streaming query's connection goes back now, not at collection
            report.final_rate = self._pacer.rate
            report.finish()

    def _import_one(self, user: LegacyUser) -> Outcome:
        outcome = self._outcome(user)
        if outcome.stops_run:
            # At once, not when the main thread collects this: the users under way would
            # meet the same failure.
            self._abandon.set()
        return outcome

    def _outcome(self, user: LegacyUser) -> Outcome:
        username = user.username
        if self._abandon.is_set():
            return Outcome(username, UNATTEMPTED)
        unknown = self._schema.unknown(user.attributes)
        if unknown:
            return Outcome(username, FAILED, "UnknownAttribute", tuple(unknown))
        missing = self._schema.missing(user.attributes)
        if missing:
            return Outcome(username, FAILED, "MissingRequiredAttribute", tuple(missing))
        try:
            refusal = None if self._policy is None else self._policy.refusal(user)
            if refusal == DELETED:
                # Migration never brings back an account deleted through the service.
                return Outcome(username, SKIPPED, DELETED_THROUGH_SERVICE)
            if refusal == LOCKED_IN_LEGACY:
                # A hash that can never verify: an account locked in the legacy system.
                return Outcome(username, SKIPPED, LOCKED_IN_LEGACY_STORE)
            if self.report.dry_run:
                return self._probe(username)
            return self._create(user)
        except _Abandoned:
            return Outcome(username, UNATTEMPTED)
        except CognitoUnavailable as exc:
            return Outcome(username, FAILED, "CognitoUnavailable", stops_run=True, detail=exc.cause)
        except NoCredentials:
            return Outcome(username, FAILED, "NoCredentials", stops_run=True)
        except CognitoInputRefused:
            # botocore's own checks (a username over 128 characters, say).
            return Outcome(username, FAILED, "InvalidParameter")

    def _create(self, user: LegacyUser) -> Outcome:
        # Marked first, so that only accounts migration created get a legacy password; a
        # mark made now for an account that turns out to exist already goes again.
        marked_now = self._policy is not None and self._policy.creating(user.username)
        try:
            self._paced(lambda: self._gateway.admin_create_user(user.username, user.attributes))
        except CognitoRefused as exc:
            if self._policy is not None:
                self._policy.not_created(user.username, marked_now=marked_now)
            if exc.code == "UsernameExistsException":
                # Created by an earlier run or by a sign-in migration meanwhile.
                return Outcome(user.username, SKIPPED, ALREADY_IN_COGNITO)
            return _refused(user.username, exc)
        if user.disabled:
            # Disabled in the legacy store: disabled in Cognito too.
            self._paced(lambda: self._gateway.set_user_enabled(user.username, enabled=False))
        return Outcome(user.username, CREATED)

    def _probe(self, username: str) -> Outcome:
        try:
            self._paced(lambda: self._gateway.admin_get_user(username))
        except CognitoRefused as exc:
            if exc.code == "UserNotFoundException":
                return Outcome(username, CREATED)
            return _refused(username, exc)
        return Outcome(username, SKIPPED, ALREADY_IN_COGNITO)

    def _paced(self, call: Callable[[], object]) -> None:
        """Make one Cognito call in its slot; back off and retry it while throttled."""
        attempt = 0
        while True:
            self._pacer.wait()
            if self._abandon.is_set():
                raise _Abandoned()
            rate = self._pacer.rate
            try:
                call()
                return
            except CognitoRefused as exc:
                if exc.code not in THROTTLED or attempt >= MAX_RETRIES:
                    raise
            with self._throttled_lock:
                self.report.throttled += 1
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2**attempt)
            slower = self._pacer.slow_down(rate)
            self._notice(f"throttled by Cognito: retrying in {delay:g} s, at {slower:g}/s")
            self._abandon.wait(delay)
            attempt += 1


def _refused(username: str, exc: CognitoRefused) -> Outcome:
    return Outcome(username, FAILED, exc.code, stops_run=exc.code not in USER_REFUSALS)


def _stop_detail(outcome: Outcome) -> str:
    if outcome.reason in THROTTLED:
        return f"Cognito kept throttling after {MAX_RETRIES} retries with back-off"
    if outcome.reason == "CognitoUnavailable":
        return f"Cognito or the service's table did not answer ({outcome.detail})"
    return f"Cognito refused with {outcome.reason}, which would fail every user after it"


def _failure_json(outcome: Outcome) -> dict[str, Any]:
    entry: dict[str, Any] = {"username": outcome.username, "reason": outcome.reason}
    if outcome.line is not None:
        entry["line"] = outcome.line
    if outcome.attributes:
        entry["attributes"] = list(outcome.attributes)
    return entry


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

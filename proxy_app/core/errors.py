"""Domain errors: what the gateway, the verifier and the services raise.

They know nothing of HTTP, so the same code runs in a request, in the trigger Lambda and
in the `flask users` commands; `errors.py` turns them into problem+json at the edge.
"""

from __future__ import annotations

# The code CognitoRefused carries when Cognito refuses this service's own app client.
MISCONFIGURED = "AppClientMisconfigured"


class ServiceFailure(Exception):
    """Base of every domain error."""


class CognitoRefused(ServiceFailure):
    """Cognito answered with an error: its exception code (and message, for the caller's
    own input only); `authenticator`: the code refused was an authenticator app's, which
    cannot be sent again (the app shows the next one)."""

    def __init__(self, code: str, message: str = "", *, authenticator: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.authenticator = authenticator


class CognitoUnavailable(ServiceFailure):
    """Cognito (or its key server, or the service's table) could not be reached in time;
    `retry_after` says when asking again is worth it, in seconds."""

    def __init__(self, cause: str, retry_after: int | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retry_after = retry_after


class LegacyStoreUnavailable(CognitoUnavailable):
    """The legacy user store is down, timed out or cannot answer (a broken query): a user
    it may hold can be neither migrated nor refused."""

    def __init__(self) -> None:
        super().__init__("LegacyStoreUnavailable")


class InputRefused(ServiceFailure):
    """Input the rules refuse, before anything is asked of Cognito; `errors` names the
    fields, as validation errors do (400 at the edge)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("input refused")
        self.errors = errors


class CognitoInputRefused(ServiceFailure):
    """Input our schemas let through but Cognito's parameter rules (or SECRET_HASH) refuse;
    `errors` names the fields, as validation errors do."""

    def __init__(self, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__("input refused")
        self.errors = errors or {"_request": ["Cognito's parameter rules refuse this input."]}


class NoCredentials(ServiceFailure):
    """No AWS credentials for a signed call: the deployment is broken."""


class TokenRejected(ServiceFailure):
    """A token failed verification; `reason` names the check (401 at the edge)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class TokenForbidden(ServiceFailure):
    """A valid token lacks a group or scope the route demands (403 at the edge)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class AttributeNotWritable(ServiceFailure):
    """Attributes a user may not set: WRITABLE_ATTRIBUTES does not list them (403 at the
    edge); `names` sorted."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("not writable: " + ", ".join(names))
        self.names = names


def unexpected_answer(operation: str) -> CognitoRefused:
    """Build the error for a Cognito answer that lacks what it must have (502 at the edge)."""
    return CognitoRefused(f"{operation}:UnexpectedAnswer")

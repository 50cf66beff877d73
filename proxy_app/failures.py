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
    own input only)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class CognitoUnavailable(ServiceFailure):
    """Cognito (or its key server, or the service's table) could not be reached in time."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class CognitoInputRefused(ServiceFailure):
    """Input our schemas let through but botocore's parameter rules refuse."""


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

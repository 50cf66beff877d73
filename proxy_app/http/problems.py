"""ApiError, the Cognito-exception table, and the one problem+json renderer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from proxy_app.core.errors import (
    MISCONFIGURED,
    CognitoInputRefused,
    CognitoRefused,
    CognitoUnavailable,
    LegacyStoreUnavailable,
    NoCredentials,
    ServiceFailure,
    TokenForbidden,
    TokenRejected,
)

log = logging.getLogger("proxy_app")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 1
SIGN_IN_FAILED = "Incorrect username or password."
WRONG_CODE_DETAIL = "The confirmation code is wrong or has expired; ask for a new one."


@dataclass
class ApiError(Exception):
    """An error the API answers with: status, stable code, and a safe detail."""

    status: int
    code: str
    title: str
    detail: str
    errors: dict[str, list[str]] | None = None
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cognito_code: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


def validation_failed(errors: dict[str, list[str]], detail: str | None = None) -> ApiError:
    """Build the 400 for input that does not fit the schema."""
    return ApiError(
        400,
        "ValidationFailed",
        "Invalid request",
        detail or "The request has invalid or missing fields.",
        errors=errors,
    )


def invalid_token(reason: str, detail: str) -> ApiError:
    """Build the 401 for a token that failed verification."""
    return ApiError(401, "InvalidToken", "Invalid token", detail, reason=reason)


@dataclass(frozen=True)
class CognitoErrorRule:
    """How one Cognito exception is answered."""

    status: int
    code: str
    title: str
    detail: str | None  # None: Cognito's own message is about the caller's input; pass it on
    retry_after: bool = False


_UPSTREAM = CognitoErrorRule(
    502, "UpstreamError", "Upstream error", "Cognito failed to handle the request."
)
_THROTTLED = CognitoErrorRule(
    429, "TooManyRequests", "Too many requests", "Too many requests; retry later.", True
)
_SIGN_IN = CognitoErrorRule(401, "NotAuthorized", "Not authorized", SIGN_IN_FAILED)

# Every Cognito exception the routes can meet, named once. A name not listed here is
# answered as UpstreamError, with Cognito's code in the log.
COGNITO_ERRORS: dict[str, CognitoErrorRule] = {
    "NotAuthorizedException": _SIGN_IN,
    # Same body as a wrong password, so sign-in cannot be used to find accounts.
    "UserNotFoundException": _SIGN_IN,
    "UserNotConfirmedException": CognitoErrorRule(
        403, "UserNotConfirmed", "User not confirmed", "The user has not confirmed sign-up."
    ),
    "PasswordResetRequiredException": CognitoErrorRule(
        403,
        "PasswordResetRequired",
        "Password reset required",
        "The user must reset the password before signing in.",
    ),
    "UsernameExistsException": CognitoErrorRule(
        409, "UsernameExists", "Username exists", "An account with this username exists."
    ),
    "AliasExistsException": CognitoErrorRule(
        409, "AliasExists", "Alias exists", "Another account uses this email or phone number."
    ),
    "CodeMismatchException": CognitoErrorRule(
        400, "CodeMismatch", "Code mismatch", WRONG_CODE_DETAIL
    ),
    # VerifySoftwareToken's wrong first code: the same mistake as any wrong code.
    "EnableSoftwareTokenMFAException": CognitoErrorRule(
        400, "CodeMismatch", "Code mismatch", WRONG_CODE_DETAIL
    ),
    "SoftwareTokenMFANotFoundException": CognitoErrorRule(
        400,
        "SoftwareTokenNotSetUp",
        "Authenticator not set up",
        "Set up and verify an authenticator app (TOTP) first.",
    ),
    "ExpiredCodeException": CognitoErrorRule(
        400, "ExpiredCode", "Expired code", "The confirmation code has expired; ask for a new one."
    ),
    "InvalidPasswordException": CognitoErrorRule(400, "InvalidPassword", "Invalid password", None),
    "InvalidParameterException": CognitoErrorRule(400, "ValidationFailed", "Invalid request", None),
    "UserLambdaValidationException": CognitoErrorRule(
        400, "ValidationFailed", "Invalid request", "The user pool's trigger refused the request."
    ),
    "TooManyRequestsException": _THROTTLED,
    "LimitExceededException": _THROTTLED,
    "TooManyFailedAttemptsException": _THROTTLED,
    "CodeDeliveryFailureException": CognitoErrorRule(
        502, "CodeDeliveryFailed", "Code delivery failed", "Cognito could not send the code."
    ),
    "ResourceNotFoundException": _UPSTREAM,
    "InternalErrorException": _UPSTREAM,
    "InvalidLambdaResponseException": _UPSTREAM,
    "UnexpectedLambdaException": _UPSTREAM,
    "InvalidUserPoolConfigurationException": _UPSTREAM,
    "InvalidSmsRoleAccessPolicyException": _UPSTREAM,
    "InvalidSmsRoleTrustRelationshipException": _UPSTREAM,
    "InvalidEmailRoleAccessPolicyException": _UPSTREAM,
    "UserPoolAddOnNotEnabledException": _UPSTREAM,
    "AccessDeniedException": _UPSTREAM,
    "ForbiddenException": _UPSTREAM,
}


def from_cognito(cognito_code: str, message: str) -> ApiError:
    """Translate a Cognito error code (and its message) into the ApiError we answer."""
    if cognito_code == MISCONFIGURED:
        error = internal_error()
        error.cognito_code = MISCONFIGURED
        return error
    rule = COGNITO_ERRORS.get(cognito_code, _UPSTREAM)
    error = ApiError(
        rule.status,
        rule.code,
        rule.title,
        rule.detail or _safe_message(message),
        cognito_code=cognito_code,
    )
    if rule.retry_after:
        error.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return error


# What Cognito answers a confirmation code for an account that does not exist, is already
# confirmed or disabled, or has no code pending: all of it tells a caller about the account.
_ACCOUNT_REVEALING = frozenset(
    {"UserNotFoundException", "NotAuthorizedException", "ExpiredCodeException"}
)


@contextmanager
def account_state_hidden() -> Iterator[None]:
    """Answer every refusal that depends on the account as a wrong code.

    A confirmation route must not tell an unknown, confirmed, disabled or code-less
    account from a wrong code, so that it cannot be used to find accounts. Cognito's
    own code still goes to the request log.
    """
    try:
        yield
    except CognitoRefused as refusal:
        if refusal.code not in _ACCOUNT_REVEALING:
            raise
        error = from_cognito("CodeMismatchException", "")
        error.cognito_code = refusal.code
        raise error from None


def upstream_unavailable() -> ApiError:
    """Build the 503 for a Cognito (or key server) that cannot be reached in time."""
    return ApiError(
        503,
        "UpstreamUnavailable",
        "Upstream unavailable",
        "Cognito could not be reached in time; retry later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def from_failure(failure: ServiceFailure) -> ApiError:
    """Translate a domain error into the ApiError we answer (the one place that does)."""
    if isinstance(failure, CognitoRefused):
        return from_cognito(failure.code, failure.message)
    if isinstance(failure, CognitoUnavailable):
        error = upstream_unavailable()
        if isinstance(failure, LegacyStoreUnavailable):
            error.detail = "The legacy user store could not answer in time; retry later."
        error.cognito_code = failure.cause
        if failure.retry_after is not None:
            error.headers["Retry-After"] = str(failure.retry_after)
        return error
    if isinstance(failure, TokenRejected):
        return invalid_token(failure.reason, failure.detail)
    if isinstance(failure, TokenForbidden):
        return ApiError(403, "Forbidden", "Forbidden", failure.detail, reason=failure.reason)
    if isinstance(failure, CognitoInputRefused):
        error = validation_failed(failure.errors)
        error.cognito_code = "ParamValidationError"
        return error
    error = internal_error()
    error.cognito_code = (
        "NoCredentialsError" if isinstance(failure, NoCredentials) else type(failure).__name__
    )
    return error


def _safe_message(message: str) -> str:
    # Cognito's messages for these rules describe the caller's own input; keep them
    # short and single-line all the same.
    text = " ".join(message.split())[:300]
    return text or "The request was refused."


_HTTP_CODES = {
    400: ("MalformedRequest", "Bad request"),
    404: ("NotFound", "Not found"),
    405: ("MethodNotAllowed", "Method not allowed"),
    413: ("PayloadTooLarge", "Payload too large"),
    415: ("UnsupportedMediaType", "Unsupported media type"),
    431: ("HeadersTooLarge", "Request header fields too large"),
}


def from_http_exception(exc: HTTPException) -> ApiError:
    """Render werkzeug's routing and size errors as ApiErrors."""
    status = exc.code or 500
    if status >= 500:
        return internal_error()
    code, title = _HTTP_CODES.get(status, ("BadRequest", "Bad request"))
    detail = {
        404: "No route matches this path.",
        405: "This path does not accept this method.",
        413: "The request body is larger than allowed.",
    }.get(status, title + ".")
    error = ApiError(status, code, title, detail)
    if status == 405:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            error.headers["Allow"] = ", ".join(sorted(allowed))
    return error


def internal_error() -> ApiError:
    """Build the 500 that hides its cause (the log has it, under the request id)."""
    return ApiError(
        500,
        "InternalError",
        "Internal error",
        "The service failed; the request id identifies the cause in the logs.",
    )


def problem_response(error: ApiError) -> Response:
    """Render an ApiError as RFC 9457 problem+json."""
    body: dict[str, Any] = {
        "type": f"urn:cognito-proxy:problem:{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "requestId": g.get("request_id"),
    }
    if error.errors is not None:
        body["errors"] = error.errors
    if error.reason is not None:
        body["reason"] = error.reason
    response = Response(json.dumps(body), status=error.status, mimetype=PROBLEM_JSON)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _answer(error: ApiError) -> Response:
    g.api_error = error
    if error.cognito_code is not None:
        g.cognito_error = error.cognito_code
    return problem_response(error)


def register_error_handlers(app: Flask) -> None:
    """Route every exception through problem_response."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return _answer(error)

    @app.errorhandler(ServiceFailure)
    def _failure(failure: ServiceFailure) -> Response:
        return _answer(from_failure(failure))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        error = from_http_exception(exc)
        g.api_error = error
        return problem_response(error)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.error(
            "unhandled exception",
            exc_info=exc,
            extra={"requestId": g.get("request_id")},
        )
        error = internal_error()
        g.api_error = error
        return problem_response(error)

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
    AttributeNotWritable,
    CognitoInputRefused,
    CognitoRefused,
    CognitoUnavailable,
    InputRefused,
    LegacyStoreUnavailable,
    NoCredentials,
    ServiceFailure,
    TokenForbidden,
    TokenRejected,
)
from proxy_app.http import codes

log = logging.getLogger("proxy_app")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 1
SIGN_IN_FAILED = "Incorrect username or password."
WRONG_CODE_DETAIL = "The confirmation code is wrong or has expired; ask for a new one."
# An authenticator app's code cannot be asked for again: the app shows the next one.
WRONG_AUTHENTICATOR_CODE_DETAIL = (
    "The authenticator code is wrong; enter the one the app shows now (it changes every 30 s)."
)


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


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: dict[str, list[str]] | None = None,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> ApiError:
    """Build an ApiError with its code's title (codes.TITLES)."""
    return ApiError(
        status,
        code,
        codes.TITLES[code],
        detail,
        errors=errors,
        reason=reason,
        headers=headers or {},
    )


def validation_failed(errors: dict[str, list[str]], detail: str | None = None) -> ApiError:
    """Build the 400 for input that does not fit the schema."""
    return problem(
        400,
        codes.VALIDATION_FAILED,
        detail or "The request has invalid or missing fields.",
        errors=errors,
    )


def invalid_token(reason: str, detail: str) -> ApiError:
    """Build the 401 for a token that failed verification."""
    return problem(401, codes.INVALID_TOKEN, detail, reason=reason)


def forbidden(reason: str, detail: str) -> ApiError:
    """Build the 403 for a caller this route refuses, whoever they are; `reason` says why."""
    return problem(403, codes.FORBIDDEN, detail, reason=reason)


@dataclass(frozen=True)
class CognitoErrorRule:
    """How one Cognito exception is answered."""

    status: int
    code: str
    detail: str | None  # None: Cognito's own message is about the caller's input; pass it on
    retry_after: bool = False


_UPSTREAM = CognitoErrorRule(502, codes.UPSTREAM_ERROR, "Cognito failed to handle the request.")
_THROTTLED = CognitoErrorRule(429, codes.TOO_MANY_REQUESTS, "Too many requests; retry later.", True)
_SIGN_IN = CognitoErrorRule(401, codes.NOT_AUTHORIZED, SIGN_IN_FAILED)

# Every Cognito exception the routes can meet, named once. A name not listed here is
# answered as UpstreamError, with Cognito's code in the log.
COGNITO_ERRORS: dict[str, CognitoErrorRule] = {
    "NotAuthorizedException": _SIGN_IN,
    # Same body as a wrong password, so sign-in cannot be used to find accounts.
    "UserNotFoundException": _SIGN_IN,
    "UserNotConfirmedException": CognitoErrorRule(
        403, codes.USER_NOT_CONFIRMED, "The user has not confirmed sign-up."
    ),
    "PasswordResetRequiredException": CognitoErrorRule(
        403,
        codes.PASSWORD_RESET_REQUIRED,
        "The user must reset the password before signing in.",
    ),
    "UsernameExistsException": CognitoErrorRule(
        409, codes.USERNAME_EXISTS, "An account with this username exists."
    ),
    "AliasExistsException": CognitoErrorRule(
        409, codes.ALIAS_EXISTS, "Another account uses this email or phone number."
    ),
    "CodeMismatchException": CognitoErrorRule(400, codes.CODE_MISMATCH, WRONG_CODE_DETAIL),
    # VerifySoftwareToken's wrong first code: the same mistake as any wrong code.
    "EnableSoftwareTokenMFAException": CognitoErrorRule(
        400, codes.CODE_MISMATCH, WRONG_AUTHENTICATOR_CODE_DETAIL
    ),
    "SoftwareTokenMFANotFoundException": CognitoErrorRule(
        400,
        codes.SOFTWARE_TOKEN_NOT_SET_UP,
        "Set up and verify an authenticator app (TOTP) first.",
    ),
    "ExpiredCodeException": CognitoErrorRule(
        400, codes.EXPIRED_CODE, "The confirmation code has expired; ask for a new one."
    ),
    "InvalidPasswordException": CognitoErrorRule(400, codes.INVALID_PASSWORD, None),
    "InvalidParameterException": CognitoErrorRule(400, codes.VALIDATION_FAILED, None),
    "UserLambdaValidationException": CognitoErrorRule(
        400, codes.VALIDATION_FAILED, "The user pool's trigger refused the request."
    ),
    "TooManyRequestsException": _THROTTLED,
    "LimitExceededException": _THROTTLED,
    "TooManyFailedAttemptsException": _THROTTLED,
    "CodeDeliveryFailureException": CognitoErrorRule(
        502, codes.CODE_DELIVERY_FAILED, "Cognito could not send the code."
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
    error = problem(rule.status, rule.code, rule.detail or _safe_message(message))
    error.cognito_code = cognito_code
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
    return problem(
        503,
        codes.UPSTREAM_UNAVAILABLE,
        "Cognito could not be reached in time; retry later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def from_failure(failure: ServiceFailure) -> ApiError:
    """Translate a domain error into the ApiError we answer (the one place that does)."""
    if isinstance(failure, CognitoRefused):
        error = from_cognito(failure.code, failure.message)
        if failure.authenticator and error.code == codes.CODE_MISMATCH:
            error.detail = WRONG_AUTHENTICATOR_CODE_DETAIL
        return error
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
        return forbidden(failure.reason, failure.detail)
    if isinstance(failure, AttributeNotWritable):
        return problem(
            403,
            codes.ATTRIBUTE_NOT_WRITABLE,
            "These attributes cannot be set through this API: " + ", ".join(failure.names),
            errors={name: ["Not writable."] for name in failure.names},
        )
    if isinstance(failure, CognitoInputRefused):
        error = validation_failed(failure.errors)
        error.cognito_code = "ParamValidationError"
        return error
    if isinstance(failure, InputRefused):
        return validation_failed(failure.errors)
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
    400: codes.MALFORMED_REQUEST,
    404: codes.NOT_FOUND,
    405: codes.METHOD_NOT_ALLOWED,
    413: codes.PAYLOAD_TOO_LARGE,
    415: codes.UNSUPPORTED_MEDIA_TYPE,
    431: codes.HEADERS_TOO_LARGE,
}


def from_http_exception(exc: HTTPException) -> ApiError:
    """Render werkzeug's routing and size errors as ApiErrors."""
    status = exc.code or 500
    if status >= 500:
        return internal_error()
    code = _HTTP_CODES.get(status, codes.BAD_REQUEST)
    detail = {
        404: "No route matches this path.",
        405: "This path does not accept this method.",
        413: "The request body is larger than allowed.",
    }.get(status, codes.TITLES[code] + ".")
    error = problem(status, code, detail)
    if status == 405:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            error.headers["Allow"] = ", ".join(sorted(allowed))
    return error


def internal_error() -> ApiError:
    """Build the 500 that hides its cause (the log has it, under the request id)."""
    return problem(
        500,
        codes.INTERNAL_ERROR,
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
    # A final newline, as success answers have: a shell prompt after curl starts on its own line.
    response = Response(f"{json.dumps(body)}\n", status=error.status, mimetype=PROBLEM_JSON)
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

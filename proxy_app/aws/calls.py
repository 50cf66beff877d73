"""How every AWS call is made here: one boto3 session, Cognito's errors as domain
errors, answers that are not JSON refused, and Cognito's SECRET_HASH."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.model import OperationModel
from botocore.parsers import ResponseParserError

from proxy_app.core.errors import (
    MISCONFIGURED,
    CognitoInputRefused,
    CognitoRefused,
    CognitoUnavailable,
    NoCredentials,
    TokenRejected,
)

log = logging.getLogger("proxy_app.cognito")

# NotAuthorizedException also says that this service's app client settings are wrong
# (a bad or missing secret, an unknown client, a flow not enabled). Answered as a wrong
# password or hidden as an unknown user, it would make every sign-in fail quietly and
# every reset look sent: it is the operator's error, not the user's.
_MISCONFIGURED = re.compile(
    r"secret ?hash|secret was not received|configured for secret|auth flow not enabled"
    r"|\bclient\b.*\bdoes not exist",
    re.IGNORECASE,
)
_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)


class SecretHashError(ValueError):
    """The username (or the secret) has text that UTF-8 cannot encode, such as a lone
    surrogate, so no SECRET_HASH can be computed for it."""


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Compute Cognito's SECRET_HASH: base64(HMAC-SHA256(secret, username + client id))."""
    try:
        key = client_secret.encode("utf-8")
        message = (username + client_id).encode("utf-8")
    except UnicodeEncodeError:
        # Not chained: the exception's text would quote the username.
        raise SecretHashError("SECRET_HASH needs text that UTF-8 can encode") from None
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


_SECRET_HASH = re.compile(r"secret ?hash", re.IGNORECASE)


@contextmanager
def cognito_errors(*, callers_secret_hash: bool = False) -> Iterator[None]:
    """Turn boto3's exceptions into domain errors that carry Cognito's code.

    With `callers_secret_hash`, a SECRET_HASH Cognito cannot verify was made from a
    username the caller gave (a refresh token with another user's name): the caller's
    mistake, answered as a wrong credential, not logged as a configuration error.
    """
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or "")
        if (
            callers_secret_hash
            and code == "NotAuthorizedException"
            and _SECRET_HASH.search(message)
        ):
            raise CognitoRefused(code, "Incorrect username or password.") from None
        if code == "NotAuthorizedException" and _MISCONFIGURED.search(message):
            log.error(
                "configuration error: Cognito refuses this service's app client; check "
                "COGNITO_APP_CLIENT_ID, COGNITO_APP_CLIENT_SECRET and its auth flows",
                extra={"cognitoError": MISCONFIGURED},
            )
            raise CognitoRefused(MISCONFIGURED) from None
        raise CognitoRefused(code, message) from None
    except _UNREACHABLE as exc:
        raise CognitoUnavailable(type(exc).__name__) from None
    except ResponseParserError:
        raise CognitoRefused("UnparsableAnswer") from None
    except ParamValidationError:
        raise CognitoInputRefused() from None
    except NoCredentialsError:
        log.error("no AWS credentials for Cognito calls")
        raise NoCredentials() from None
    except BotoCoreError as exc:
        raise CognitoRefused(type(exc).__name__) from None


# Cognito's refusals of the access token itself (signed out, revoked, never issued, or
# expired), as opposed to the call's other input (a wrong current password, say).
_TOKEN_REFUSALS = {
    "Access Token has been revoked": "revoked",
    "Invalid Access Token": "revoked",
    "Access Token has expired": "expired",
}


@contextmanager
def token_bound_errors() -> Iterator[None]:
    """`cognito_errors` for calls made with the user's access token: Cognito's refusal of
    the token (signed out, revoked, its user deleted) is a rejected token, 401
    InvalidToken with its reason, never "Incorrect username or password"."""
    try:
        with cognito_errors():
            yield
    except CognitoRefused as refused:
        if refused.code == "NotAuthorizedException" and refused.message in _TOKEN_REFUSALS:
            reason = _TOKEN_REFUSALS[refused.message]
            raise TokenRejected(reason, f"Cognito refuses the access token: {reason}.") from None
        if refused.code == "UserNotFoundException":
            raise TokenRejected("revoked", "The token's user no longer exists.") from None
        raise


_session_lock = threading.Lock()
_session: boto3.session.Session | None = None


def aws_client(service: str, **options: Any) -> Any:
    """Create a client from the process's one boto3 session (it caches service models)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        client = _session.client(service, **options)  # type: ignore[call-overload]
    if client.meta.service_model.resolved_protocol == "json":
        client.meta.events.register("before-parse", _refuse_unparsable_success)
    return client


def _refuse_unparsable_success(
    operation_model: OperationModel, response_dict: dict[str, Any], **_: Any
) -> None:
    """Refuse a success answer whose body is not a JSON object (no body is an empty one).

    botocore would turn a 2xx body that is not JSON into {"message": body}, a success no
    caller can tell from a real one (a Cognito call that answers nothing, a DynamoDB
    GetItem that finds no record), or let a UnicodeDecodeError escape. botocore's public
    `before-parse` event hands over the raw answer before its parser reads it; the
    ResponseParserError raised here leaves the call unretried, as the parser's own would.
    The body is then parsed again by botocore (about 6 us for a sign-in's 4 KB answer).
    Error answers keep botocore's leniency: they fail either way.
    """
    # botocore's parsers read 301 and above as errors, the rest as a success; streamed
    # bodies (neither Cognito nor DynamoDB has one) are not read here.
    if (
        response_dict["status_code"] >= 301
        or operation_model.has_streaming_output
        or operation_model.has_event_stream_output
    ):
        return
    body = response_dict["body"]
    if not body:
        return
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        raise ResponseParserError("the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise ResponseParserError("the answer is not a JSON object")

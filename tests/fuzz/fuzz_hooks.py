"""Schemathesis hooks for tests/fuzz/test_fuzz.py's `st run` (loaded through SCHEMATHESIS_HOOKS).

Two rules of the API join values that OpenAPI cannot join, so the document states them in
words: a member given both in the body and as a header must have the same value there,
and a request carries one token. `before_call` makes each positive (schema-valid) case
follow them, as a client reading the document would; negative cases go out as generated.

It also gives a positive case the state a real client would have, in the pool under test
(FUZZ_* variables), so that it reaches the code behind that state instead of ending in a
refusal the data did not cause: a real token (of a user it makes; a new one once a call may
have ended the tokens), and per operation (STATE) a user in the right state and what that
user knows: an unconfirmed user and the code in their mail, a pending reset and its code,
the current password, a refresh token, a sign-in facing the case's challenge, an
authenticator's current code. Codes are read from the emulator's mailbox file (FUZZ_MAILBOX),
as a user reads their mail. It never makes a refusal a success: the case's other members
go out as generated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import schemathesis
from botocore.exceptions import ClientError
from schemathesis import GenerationMode

from tests.support.totp import fresh_code

PASSWORD = "Fuzz-Passw0rd!"
TEMPORARY_PASSWORD = "Fuzz-Temp0rary!"
TOKEN_HEADERS = ("authorization", "idtoken", "accesstoken")
TOKEN_MEMBERS = ("idToken", "accessToken")
# A user's tokens serve case after case until a call may have ended them.
ENDING = {"DELETE /admin/user", "POST /signout", "POST /password/change"}
_tokens: dict[str, str] | None = None


@schemathesis.check
def problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is problem+json with the status in the body and a stable code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == "application/problem+json", f"error as {content_type!r}"
    body = response.json()
    assert body["status"] == response.status_code, body
    missing = {"type", "title", "status", "detail", "code", "requestId"} - set(body)
    assert not missing, f"problem lacks {sorted(missing)}"
    assert "Traceback" not in response.text
    return True


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if case.meta is None:
        return
    body = case.body if isinstance(case.body, dict) else {}
    headers = case.headers if case.headers is not None else {}
    if case.meta.generation.mode == GenerationMode.POSITIVE:
        # A required member comes in the body or as a header. A case with no body (which
        # the document allows, for the header way) and the member in no header gets the
        # documented example's value as that header.
        given = {m.lower() for m in body} | {h.lower() for h in headers}
        example = _media(case).get("example", {})
        for name in _required_members(case):
            if name.lower() not in given and _documented_header(case, name):
                headers[name] = example[name]
        # A client sends each member once: in the body, or else as a header.
        for header in [h for h in headers if h.lower() in {m.lower() for m in body}]:
            headers.pop(header)
        if case.operation.definition.raw.get("security"):
            _one_real_token(body, headers)
        state = STATE.get(f"{case.method.upper()} {case.path}")
        if state is not None:
            for name, value in state(Given(body, headers)).items():
                _replace(body, headers, name, value)
    else:
        # A required member missing from the body is what makes the case negative: do not
        # let its header alternative make it whole again.
        missing = {name.lower() for name in _required_members(case)} - {m.lower() for m in body}
        for header in [h for h in headers if h.lower() in missing]:
            headers.pop(header)
    case.headers = headers


def _documented_header(case: Any, name: str) -> bool:
    parameters = case.operation.definition.raw.get("parameters", [])
    return any(p.get("in") == "header" and p.get("name") == name for p in parameters)


def _media(case: Any) -> dict[str, Any]:
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    return content.get("application/json", {})  # type: ignore[no-any-return]


def _required_members(case: Any) -> list[str]:
    reference = _media(case).get("schema", {}).get("$ref", "")
    if not reference:
        return []
    name = reference.rsplit("/", 1)[-1]
    component = case.operation.schema.raw_schema["components"]["schemas"][name]
    return list(component.get("required", []))


@schemathesis.hook
def after_call(ctx: Any, case: Any, response: Any) -> None:
    global _tokens
    if f"{case.method.upper()} {case.path}" in ENDING and response.status_code < 300:
        _tokens = None


def _replace(body: dict[str, Any], headers: dict[str, Any], name: str, value: str) -> None:
    """Give a member the client's real value, where the case carries it (if it does)."""
    if name in body:
        body[name] = value
        return
    for header in headers:
        if header.lower() == name.lower():
            headers[header] = value


def _one_real_token(body: dict[str, Any], headers: dict[str, Any]) -> None:
    """Keep the first token the case carries, as a real one of its kind; drop the others."""
    carriers = [("body", name) for name in TOKEN_MEMBERS if name in body] + [
        ("header", name) for name in headers if name.lower() in TOKEN_HEADERS
    ]
    place, name = carriers[0] if carriers else ("header", "Authorization")
    for other_place, other in carriers[1:]:
        (body if other_place == "body" else headers).pop(other)
    global _tokens
    tokens = _current_tokens()
    if name.lower() == "idtoken":
        value = tokens["IdToken"]
    elif name.lower() == "authorization":
        value = f"Bearer {tokens['AccessToken']}"
    else:
        value = tokens["AccessToken"]
    (body if place == "body" else headers)[name] = value


def _current_tokens() -> dict[str, str]:
    """The tokens of the current signed-in user (a new one once a call may have ended them)."""
    global _tokens
    if _tokens is None:
        username = _new_user(confirmed=True)
        # The pool requires MFA: a first sign-in sets up an authenticator before tokens.
        setup = _sign_in(username)
        assert setup["ChallengeName"] == "MFA_SETUP", setup
        answer = _cognito().admin_respond_to_auth_challenge(
            UserPoolId=_pool_id(),
            ClientId=_client_id(),
            ChallengeName="MFA_SETUP",
            Session=_verified_setup(setup["Session"]),
            ChallengeResponses=_parameters(username),
        )
        _tokens = {**answer["AuthenticationResult"], "Username": username}
    return _tokens


@dataclass(frozen=True)
class Given:
    """What a positive case carries: its members, in the body or as headers."""

    body: dict[str, Any]
    headers: dict[str, Any]

    def get(self, name: str) -> Any:
        if name in self.body:
            return self.body[name]
        return next((v for h, v in self.headers.items() if h.lower() == name.lower()), None)


# --- The state a real client has, per operation: the members to give real values ------


def _unconfirmed_user(given: Given) -> dict[str, str]:
    """A user who signed up and has not confirmed yet, and the code in their mail."""
    username = _new_user(confirmed=False)
    return {"username": username, "confirmationCode": _mail("confirmation code", username)}


def _reset_pending(given: Given) -> dict[str, str]:
    """A user who asked for a password reset, and the code in their mail."""
    username = _new_user(confirmed=True)
    _cognito().forgot_password(ClientId=_client_id(), Username=username, **_hash(username))
    return {"username": username, "confirmationCode": _mail("password reset code", username)}


def _current_password(given: Given) -> dict[str, str]:
    return {"previousPassword": PASSWORD}


def _refresh_token(given: Given) -> dict[str, str]:
    tokens = _current_tokens()
    return {"refreshToken": tokens["RefreshToken"], "username": tokens["Username"]}


def _challenge(given: Given) -> dict[str, str]:
    """A user signing in who faces the case's challenge, where the pool can ask it."""
    name = given.get("challengeName")
    if name == "NEW_PASSWORD_REQUIRED":
        username, session = _new_password_required()
    elif name == "MFA_SETUP":
        username, session = _mfa_setup()
        session = _verified_setup(session)
    else:
        return {}
    return {"username": username, "session": session}


def _mfa_setup_session(given: Given) -> dict[str, str]:
    username, session = _mfa_setup()
    return {"username": username, "session": session}


def _totp_setup_session(given: Given) -> dict[str, str]:
    """The session /admin/challenge/totp answered, and the code the app then shows."""
    _, session = _mfa_setup()
    answer = _cognito().associate_software_token(Session=session)
    return {"session": answer["Session"], "code": fresh_code(answer["SecretCode"])}


def _totp_of_token_user(given: Given) -> dict[str, str]:
    """The code the user's authenticator shows, once /user/mfa/totp gave it the secret."""
    answer = _cognito().associate_software_token(AccessToken=_current_tokens()["AccessToken"])
    return {"code": fresh_code(answer["SecretCode"])}


def _attribute_code(given: Given) -> dict[str, str]:
    """The code /user/attribute/verification-code sent for the case's attribute."""
    attribute = given.get("attributeName")
    tokens = _current_tokens()
    try:
        _cognito().get_user_attribute_verification_code(
            AccessToken=tokens["AccessToken"], AttributeName=attribute
        )
    except ClientError:
        return {}
    return {"confirmationCode": _mail(f"{attribute} verification code", tokens["Username"])}


def _authenticator_set_up(given: Given) -> dict[str, str]:
    """A user whose authenticator app is set up (so TOTP can be enabled)."""
    access_token = _current_tokens()["AccessToken"]
    answer = _cognito().associate_software_token(AccessToken=access_token)
    _cognito().verify_software_token(
        AccessToken=access_token, UserCode=fresh_code(answer["SecretCode"])
    )
    return {}


def _existing_user(given: Given) -> dict[str, str]:
    """A user who signed up and confirmed, with their password."""
    return {"username": _new_user(confirmed=True), "password": PASSWORD}


STATE: dict[str, Callable[[Given], dict[str, str]]] = {
    "POST /admin/signin": _existing_user,
    "PUT /user/mfa": _authenticator_set_up,
    "POST /confirmsignup": _unconfirmed_user,
    "POST /resendcode": _unconfirmed_user,
    "POST /password/confirm": _reset_pending,
    "POST /password/change": _current_password,
    "POST /admin/refresh": _refresh_token,
    "POST /admin/challenge": _challenge,
    "POST /admin/challenge/totp": _mfa_setup_session,
    "POST /admin/challenge/totp/verify": _totp_setup_session,
    "POST /user/mfa/totp/verify": _totp_of_token_user,
    "POST /user/attribute/verify": _attribute_code,
}


# --- Users of the pool under test, made straight in the emulator ---------------------


@cache
def _cognito() -> Any:
    return boto3.client(
        "cognito-idp", region_name="us-east-1", endpoint_url=os.environ["FUZZ_ENDPOINT"]
    )


def _pool_id() -> str:
    return os.environ["FUZZ_POOL_ID"]


def _client_id() -> str:
    return os.environ["FUZZ_CLIENT_ID"]


def _secret_hash(username: str) -> str | None:
    secret = os.environ.get("FUZZ_CLIENT_SECRET")
    if not secret:
        return None
    digest = hmac.new(secret.encode(), (username + _client_id()).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _hash(username: str) -> dict[str, str]:
    """SecretHash for a client call, when the app client has a secret."""
    value = _secret_hash(username)
    return {} if value is None else {"SecretHash": value}


def _parameters(username: str, **values: str) -> dict[str, str]:
    """Auth parameters or challenge answers, with SECRET_HASH when the client has one."""
    value = _secret_hash(username)
    return {"USERNAME": username, **values, **({} if value is None else {"SECRET_HASH": value})}


def _new_user(*, confirmed: bool) -> str:
    """A user who signed up (with an email and a phone number), confirmed or not."""
    username = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    attributes = [
        {"Name": "email", "Value": username},
        {"Name": "phone_number", "Value": "+15555550100"},
    ]
    _cognito().sign_up(
        ClientId=_client_id(),
        Username=username,
        Password=PASSWORD,
        UserAttributes=attributes,
        **_hash(username),
    )
    if confirmed:
        # With the code from their mail, as a user confirms: the email is then verified,
        # so that a password reset can be sent there.
        _cognito().confirm_sign_up(
            ClientId=_client_id(),
            Username=username,
            ConfirmationCode=_mail("confirmation code", username),
            **_hash(username),
        )
    return username


def _sign_in(username: str, password: str = PASSWORD) -> dict[str, Any]:
    return _cognito().admin_initiate_auth(  # type: ignore[no-any-return]
        UserPoolId=_pool_id(),
        ClientId=_client_id(),
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=_parameters(username, PASSWORD=password),
    )


def _new_password_required() -> tuple[str, str]:
    """A user an administrator made with a temporary password, signing in with it."""
    username = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    _cognito().admin_create_user(
        UserPoolId=_pool_id(),
        Username=username,
        TemporaryPassword=TEMPORARY_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": username}],
        MessageAction="SUPPRESS",
    )
    answer = _sign_in(username, TEMPORARY_PASSWORD)
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED", answer
    return username, answer["Session"]


def _mfa_setup() -> tuple[str, str]:
    """A user who set a new password and must now set up an authenticator (MFA_SETUP)."""
    username, session = _new_password_required()
    answer = _cognito().admin_respond_to_auth_challenge(
        UserPoolId=_pool_id(),
        ClientId=_client_id(),
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session,
        ChallengeResponses=_parameters(username, NEW_PASSWORD=PASSWORD),
    )
    assert answer["ChallengeName"] == "MFA_SETUP", answer
    return username, answer["Session"]


def _verified_setup(session: str) -> str:
    """The session to answer MFA_SETUP with, once the authenticator is verified."""
    associated = _cognito().associate_software_token(Session=session)
    verified = _cognito().verify_software_token(
        Session=associated["Session"], UserCode=fresh_code(associated["SecretCode"])
    )
    return verified["Session"]  # type: ignore[no-any-return]


def _mail(label: str, username: str) -> str:
    """The last code of this kind sent to the user, read from the emulator's mailbox."""
    prefix = f"{label} for {username}: "
    lines = Path(os.environ["FUZZ_MAILBOX"]).read_text(encoding="utf-8").splitlines()
    return next(line[len(prefix) :] for line in reversed(lines) if line.startswith(prefix))

"""Every way the local emulator answers differently from moto, one named unit each.

Each difference is a function registered with @difference for the Cognito operations it
concerns. It gets the call (operation and JSON parameters) and `forward`, which passes a
call on to moto (through the differences registered after it), and returns the answer.
Its docstring says what Cognito does and what moto does. tests/test_local_cognito.py
tests each one on its own, and the `test_moto_still_...` tests there fail once moto
behaves like Cognito, so that the difference can be dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_cognito import moto_state
from local_cognito.codes import CodeBook, CodeRefused, Purpose


@dataclass(frozen=True)
class Call:
    """One Cognito call: the operation (from X-Amz-Target) and its JSON parameters."""

    operation: str
    params: dict[str, Any]

    def text(self, name: str) -> str:
        """A string parameter, '' when absent or not a string."""
        value = self.params.get(name)
        return value if isinstance(value, str) else ""

    def mapping(self, name: str) -> dict[str, Any]:
        """A map parameter, {} when absent or not a map."""
        value = self.params.get(name)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer in Cognito's JSON protocol."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status < 300

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


CONTENT_TYPE = "application/x-amz-json-1.1"


def success(body: dict[str, Any]) -> Answer:
    """A 200 answer with a JSON body."""
    return Answer(200, json.dumps(body).encode(), [("Content-Type", CONTENT_TYPE)])


def cognito_error(error_type: str, message: str) -> Answer:
    """An error answer as Cognito sends it (botocore reads `__type`)."""
    body = json.dumps({"__type": error_type, "message": message}).encode()
    return Answer(400, body, [("Content-Type", CONTENT_TYPE), ("x-amzn-ErrorType", error_type)])


def refused(refusal: CodeRefused) -> Answer:
    return cognito_error(refusal.cognito_code, str(refusal))


Forward = Callable[[Call], Answer]
Handler = Callable[[CodeBook, Call, Forward], Answer]


def _with_code(
    book: CodeBook, call: Call, forward: Forward, username: str, purpose: Purpose
) -> Answer:
    """Pass the call on only with the code sent (ConfirmationCode); then forget the code."""
    try:
        book.check(username, purpose, call.text("ConfirmationCode"))
    except CodeRefused as refusal:
        return refused(refusal)
    answer = forward(call)
    if answer.ok:
        book.discard(username, purpose)
    return answer


@dataclass(frozen=True)
class Difference:
    """One named way the emulator differs from moto."""

    name: str
    operations: frozenset[str]
    handle: Handler
    description: str


DIFFERENCES: list[Difference] = []


def difference(*operations: str) -> Callable[[Handler], Handler]:
    """Register a handler as the difference of these operations (in definition order)."""

    def register(handle: Handler) -> Handler:
        DIFFERENCES.append(
            Difference(handle.__name__, frozenset(operations), handle, handle.__doc__ or "")
        )
        return handle

    return register


def masked_delivery(
    username: str, attributes: dict[str, str], attribute: str | None = None
) -> dict[str, str]:
    """Where a code is said to go, masked as Cognito masks it: the email, else a phone."""
    email = attributes.get("email") or (username if "@" in username else None)
    if email and attribute in (None, "email"):
        local_part, _, domain = email.partition("@")
        return {
            "Destination": f"{local_part[:1]}***@{domain[:1]}***",
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
    phone = attributes.get("phone_number", "")
    return {
        "Destination": f"+*******{phone[-4:] if len(phone) >= 4 else '0000'}",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }


_NO_USER = "Username/client id combination not found."
_BAD_ACCESS_TOKEN = "Invalid Access Token"  # noqa: S105 - a message
_BAD_SESSION = "Invalid session for the user, session is expired."


# --- Sessions: checked first, as Cognito does before anything else ------------------


@difference(
    "AdminRespondToAuthChallenge",
    "RespondToAuthChallenge",
    "VerifySoftwareToken",
    "AssociateSoftwareToken",
)
def unknown_session_is_not_authorized(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito answers NotAuthorizedException for a session it did not hand out (or that
    has expired); moto answers ResourceNotFoundException, which the proxy must treat as a
    fault of its own (502)."""
    session = call.text("Session")
    if session and not moto_state.session_known(session):
        return cognito_error("NotAuthorizedException", _BAD_SESSION)
    return forward(call)


# --- Sign-up codes -----------------------------------------------------------------


@difference("SignUp")
def sign_up_sends_a_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito sends an unconfirmed user a six-digit confirmation code; moto sends none
    (and accepts any code). The emulator makes one, prints it and keeps it for 24 hours."""
    answer = forward(call)
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if answer.ok and user is not None and user.status == "UNCONFIRMED":
        delivery = masked_delivery(user.username, user.attributes)
        book.send(user.username, Purpose.SIGNUP, delivery["Destination"])
    return answer


@difference("ResendConfirmationCode")
def resend_confirmation_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito sends a new sign-up code (the old one stops working) and answers where it
    went; UserNotFoundException for an unknown user, InvalidParameterException for a
    confirmed one. moto does not implement ResendConfirmationCode (HTTP 500)."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is None:
        return cognito_error("UserNotFoundException", _NO_USER)
    if user.status != "UNCONFIRMED":
        return cognito_error("InvalidParameterException", "User is already confirmed.")
    delivery = masked_delivery(user.username, user.attributes)
    book.send(user.username, Purpose.SIGNUP, delivery["Destination"])
    return success({"CodeDeliveryDetails": delivery})


@difference("ConfirmSignUp")
def confirm_sign_up_checks_the_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito confirms a sign-up only with the code it sent: CodeMismatchException for
    another, ExpiredCodeException after 24 hours, UserNotFoundException for an unknown
    user, NotAuthorizedException for a confirmed one. moto accepts any code."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is None:
        return cognito_error("UserNotFoundException", _NO_USER)
    if user.status != "UNCONFIRMED":
        return cognito_error(
            "NotAuthorizedException",
            f"User cannot be confirmed. Current status is {user.status}",
        )
    return _with_code(book, call, forward, user.username, Purpose.SIGNUP)


# --- Password reset codes -----------------------------------------------------------


@difference("ForgotPassword")
def forgot_password_sends_a_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito sends a six-digit password reset code, valid for one hour; moto makes a
    code of its own that it hands back in a response header (and checks only codes that
    carry its `moto-confirmation-code:` prefix). The emulator makes one and prints it."""
    answer = forward(call)
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if answer.ok and user is not None:
        details = answer.json().get("CodeDeliveryDetails") or {}
        destination = (
            details.get("Destination")
            or masked_delivery(user.username, user.attributes)["Destination"]
        )
        book.send(user.username, Purpose.PASSWORD_RESET, str(destination))
    return answer


@difference("ConfirmForgotPassword")
def confirm_forgot_password_checks_the_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito sets the new password only with the reset code it sent: CodeMismatchException
    for another, ExpiredCodeException after an hour, UserNotFoundException for an unknown
    user. moto accepts any code without its prefix and answers ResourceNotFoundException
    for an unknown user."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is None:
        return cognito_error("UserNotFoundException", _NO_USER)
    return _with_code(book, call, forward, user.username, Purpose.PASSWORD_RESET)


# --- Sign-in ------------------------------------------------------------------------

_PASSWORD_FLOWS = frozenset({"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"})


@difference("AdminInitiateAuth", "InitiateAuth")
def unconfirmed_users_get_no_tokens(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito answers UserNotConfirmedException to an unconfirmed user who gives the right
    password (NotAuthorizedException to a wrong one); moto signs them in."""
    if call.text("AuthFlow") in _PASSWORD_FLOWS:
        parameters = call.mapping("AuthParameters")
        username, password = parameters.get("USERNAME"), parameters.get("PASSWORD")
        user = (
            moto_state.find_user(call.text("ClientId"), username)
            if isinstance(username, str)
            else None
        )
        if (
            user is not None
            and user.enabled
            and user.status == "UNCONFIRMED"
            and user.password is not None
            and user.password == password
        ):
            return cognito_error("UserNotConfirmedException", "User is not confirmed.")
    return forward(call)


@difference("VerifySoftwareToken", "AdminRespondToAuthChallenge", "RespondToAuthChallenge")
def totp_codes_are_checked(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito checks authenticator (TOTP) codes, when one is set up and at sign-in:
    EnableSoftwareTokenMFAException / CodeMismatchException for a wrong one. moto accepts
    any code unless the whole process sets MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true."""
    if call.operation == "VerifySoftwareToken":
        code, error = call.text("UserCode"), "EnableSoftwareTokenMFAException"
    elif call.text("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        answers = call.mapping("ChallengeResponses")
        code, error = str(answers.get("SOFTWARE_TOKEN_MFA_CODE", "")), "CodeMismatchException"
    else:
        return forward(call)
    if not book.accept_any and not moto_state.totp_code_valid(code):
        return cognito_error(error, "Code mismatch")
    return forward(call)


# --- Attribute verification ---------------------------------------------------------

_VERIFIABLE = frozenset({"email", "phone_number"})


@difference("GetUserAttributeVerificationCode")
def attribute_verification_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito sends a code to the user's email or phone (valid 24 hours) and answers where
    it went. moto does not implement GetUserAttributeVerificationCode (HTTP 500)."""
    user = moto_state.user_of_access_token(call.text("AccessToken"))
    if user is None:
        return cognito_error("NotAuthorizedException", _BAD_ACCESS_TOKEN)
    attribute = call.text("AttributeName")
    if attribute not in _VERIFIABLE or attribute not in user.attributes:
        return cognito_error(
            "InvalidParameterException", f"The user has no {attribute or 'such'} attribute."
        )
    delivery = masked_delivery(user.username, user.attributes, attribute)
    book.send(user.username, Purpose.ATTRIBUTE_VERIFICATION, delivery["Destination"], attribute)
    return success({"CodeDeliveryDetails": delivery})


@difference("VerifyUserAttribute")
def verify_user_attribute(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito marks the attribute verified only with the code it sent for it
    (CodeMismatchException, ExpiredCodeException). moto does not implement
    VerifyUserAttribute (HTTP 500)."""
    user = moto_state.user_of_access_token(call.text("AccessToken"))
    if user is None:
        return cognito_error("NotAuthorizedException", _BAD_ACCESS_TOKEN)
    attribute = call.text("AttributeName")
    try:
        book.check(user.username, Purpose.ATTRIBUTE_VERIFICATION, call.text("Code"), attribute)
    except CodeRefused as refusal:
        return refused(refusal)
    moto_state.mark_attribute_verified(call.text("AccessToken"), attribute)
    book.discard(user.username, Purpose.ATTRIBUTE_VERIFICATION, attribute)
    return success({})


# --- Token revocation ---------------------------------------------------------------


@difference("RevokeToken")
def revoke_token(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito's RevokeToken ends a refresh token's session and the access tokens issued
    from it, and answers 200 for a token it no longer knows; a client with a secret must
    present it (NotAuthorizedException). moto does not implement RevokeToken (HTTP 500)."""
    client_id = call.text("ClientId")
    if not moto_state.client_exists(client_id):
        return cognito_error("InvalidParameterException", "Invalid client id.")
    secret = moto_state.client_secret(client_id)
    if secret is not None and call.text("ClientSecret") != secret:
        return cognito_error("NotAuthorizedException", "Client secret does not match.")
    moto_state.revoke_refresh_token(client_id, call.text("Token"))
    return success({})

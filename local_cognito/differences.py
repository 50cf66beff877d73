"""Every way the local emulator answers differently from moto, one named unit each.

Each difference is a function registered with @difference for the Cognito operations it
concerns. It gets the call (operation and JSON parameters) and `forward`, which passes a
call on to moto (through the differences registered after it), and returns the answer.
Its docstring says what Cognito does and what moto does. tests/emulator/test_differences.py
tests each one on its own, and the `test_moto_still_...` tests there fail once moto
behaves like Cognito, so that the difference can be dropped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import uuid
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


def _same_headers(answer: Answer, body: dict[str, Any]) -> Answer:
    """The answer with a new JSON body and the same headers."""
    return Answer(answer.status, json.dumps(body).encode(), answer.headers)


def _with_param(call: Call, name: str, value: Any, inside: str | None = None) -> Call:
    """The call with one parameter (or one entry of a map parameter) replaced."""
    params = dict(call.params)
    if inside is None:
        params[name] = value
    else:
        params[inside] = {**call.mapping(inside), name: value}
    return Call(call.operation, params)


_NO_USER = "Username/client id combination not found."
_BAD_ACCESS_TOKEN = "Invalid Access Token"  # noqa: S105 - a message
_BAD_SESSION = "Invalid session for the user, session is expired."


# --- The app client's secret: checked first, on the username as the caller gave it ------

# Where each operation carries SECRET_HASH and the username it is made from.
_SECRET_HASH_PLACES: dict[str, tuple[str, str | None, str]] = {
    "SignUp": ("SecretHash", None, "Username"),
    "ConfirmSignUp": ("SecretHash", None, "Username"),
    "ResendConfirmationCode": ("SecretHash", None, "Username"),
    "ForgotPassword": ("SecretHash", None, "Username"),
    "ConfirmForgotPassword": ("SecretHash", None, "Username"),
    "InitiateAuth": ("SECRET_HASH", "AuthParameters", "USERNAME"),
    "AdminInitiateAuth": ("SECRET_HASH", "AuthParameters", "USERNAME"),
    "RespondToAuthChallenge": ("SECRET_HASH", "ChallengeResponses", "USERNAME"),
    "AdminRespondToAuthChallenge": ("SECRET_HASH", "ChallengeResponses", "USERNAME"),
}
_REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})


@difference(*_SECRET_HASH_PLACES)
def secret_hashes_are_checked(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito checks SECRET_HASH on every call of an app client that has a secret:
    NotAuthorizedException "Client ... is configured for secret but secret was not
    received" without one, "Unable to verify secret hash for client ..." for a wrong one.
    moto checks it only on refresh, SRP and MFA answers, and then answers with the given
    hash as the message."""
    client_id = call.text("ClientId")
    secret = moto_state.client_secret(client_id)
    if secret is None:
        return forward(call)
    name, inside, user_name = _SECRET_HASH_PLACES[call.operation]
    values = call.mapping(inside) if inside else call.params
    given = values.get(name)
    username = values.get(user_name)
    refresh = call.text("AuthFlow") in _REFRESH_FLOWS
    if not isinstance(given, str) or not given:
        return cognito_error(
            "NotAuthorizedException",
            f"Client {client_id} is configured for secret but secret was not received",
        )
    wrong = f"Unable to verify secret hash for client {client_id}"
    if not refresh and isinstance(username, str):
        expected = base64.b64encode(
            hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(expected, given):
            return cognito_error("NotAuthorizedException", wrong)
    answer = forward(call)
    if not answer.ok and answer.json().get("message") == given:
        return cognito_error("NotAuthorizedException", wrong)
    return answer


# --- Usernames: made canonical first, so that every other difference sees the stored one --

_BY_POOL_ID = (
    "AdminGetUser",
    "AdminCreateUser",
    "AdminDeleteUser",
    "AdminSetUserPassword",
    "AdminResetUserPassword",
    "AdminConfirmSignUp",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminUpdateUserAttributes",
    "AdminDeleteUserAttributes",
    "AdminUserGlobalSignOut",
    "AdminAddUserToGroup",
    "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser",
    "AdminSetUserMFAPreference",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
)
_BY_CLIENT_ID = (
    "SignUp",
    "ConfirmSignUp",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ResendConfirmationCode",
    "InitiateAuth",
    "RespondToAuthChallenge",
)
_USERNAME_PLACES = (
    ("Username", None),
    ("USERNAME", "AuthParameters"),
    ("USERNAME", "ChallengeResponses"),
)


@difference(*_BY_POOL_ID, *_BY_CLIENT_ID)
def usernames_ignore_case_where_the_pool_says_so(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito, in a pool whose UsernameConfiguration has CaseSensitive false (what AWS
    recommends), finds a user whatever the case of the username (or the email, in a pool
    that signs in by email), refuses a new user whose name differs from another's only
    by case (UsernameExistsException) and keeps usernames in lower case. moto compares
    usernames exactly in every pool."""
    pool = moto_state.pool_by_id(call.text("UserPoolId")) or moto_state.pool_of_client(
        call.text("ClientId")
    )
    if pool is None or pool.case_sensitive:
        return forward(call)
    creates = call.operation == "SignUp" or (
        call.operation == "AdminCreateUser" and call.text("MessageAction") != "RESEND"
    )
    for name, inside in _USERNAME_PLACES:
        given = call.mapping(inside).get(name) if inside else call.params.get(name)
        if not isinstance(given, str) or not given:
            continue
        found = moto_state.usernames_matching(pool.id, given, pool.username_attributes)
        if creates and inside is None:
            if found:
                message = (
                    "An account with the given email already exists."
                    if pool.username_attributes
                    else "User already exists"
                )
                return cognito_error("UsernameExistsException", message)
            call = _with_param(call, name, given.lower(), inside)
        elif len(found) == 1:
            call = _with_param(call, name, found[0], inside)
    return forward(call)


# --- Sessions: checked first, as Cognito does before anything else ------------------


@difference(
    "AdminRespondToAuthChallenge",
    "RespondToAuthChallenge",
    "VerifySoftwareToken",
    "AssociateSoftwareToken",
)
def unknown_session_is_not_authorized(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito answers NotAuthorizedException for a session it did not hand out (or that
    has expired); moto answers ResourceNotFoundException (except to AssociateSoftwareToken),
    which the proxy must treat as a fault of its own (502)."""
    session = call.text("Session")
    if session and not moto_state.session_known(session):
        return cognito_error("NotAuthorizedException", _BAD_SESSION)
    return forward(call)


_SESSION_OPERATIONS = (
    "AdminInitiateAuth",
    "InitiateAuth",
    "AdminRespondToAuthChallenge",
    "RespondToAuthChallenge",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
)
DEFAULT_SESSION_MINUTES = 3


@difference(*_SESSION_OPERATIONS)
def challenge_sessions_expire(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito ends a sign-in challenge's session after the app client's
    AuthSessionValidity (3 to 15 minutes, 3 by default): NotAuthorizedException "Invalid
    session for the user, session is expired." moto's sessions never expire."""
    session = call.text("Session")
    if session and book.session_expired(session):
        moto_state.forget_session(session)
        return cognito_error("NotAuthorizedException", _BAD_SESSION)
    answer = forward(call)
    handed_out = answer.json().get("Session") if answer.ok else None
    if isinstance(handed_out, str) and handed_out:
        minutes = moto_state.client_setting(call.text("ClientId"), "AuthSessionValidity")
        if not isinstance(minutes, int):
            minutes = book.session_validity(session) or DEFAULT_SESSION_MINUTES
        book.remember_session(handed_out, minutes)
    return answer


_LIMITED = {
    "ConfirmSignUp": Purpose.SIGNUP,
    "ConfirmForgotPassword": Purpose.PASSWORD_RESET,
    "VerifyUserAttribute": Purpose.ATTRIBUTE_VERIFICATION,
}


@difference(*_LIMITED)
def repeated_wrong_codes_are_refused(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito refuses every code, the right one too, after repeated wrong ones
    (LimitExceededException "Attempt limit exceeded, please try after some time."); the
    emulator after 5 wrong codes, for 15 minutes (codes.WRONG_CODE_LIMIT). moto accepts
    any number of wrong codes."""
    if call.operation == "VerifyUserAttribute":
        user = moto_state.user_of_access_token(call.text("AccessToken"))
    else:
        user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is not None:
        try:
            book.refuse_if_locked(user.username, _LIMITED[call.operation])
        except CodeRefused as refusal:
            return refused(refusal)
    return forward(call)


# --- Sign-up codes -----------------------------------------------------------------


@difference("ConfirmSignUp")
def only_sign_ups_are_confirmed(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito refuses to confirm the sign-up of a user an administrator created or reset
    (FORCE_CHANGE_PASSWORD, RESET_REQUIRED): NotAuthorizedException "User cannot be
    confirmed. Current status is FORCE_CHANGE_PASSWORD". moto confirms them, code or not,
    and makes them CONFIRMED."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is not None and user.status in ("FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"):
        return cognito_error(
            "NotAuthorizedException", f"User cannot be confirmed. Current status is {user.status}"
        )
    return forward(call)


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


@difference("ConfirmSignUp")
def confirming_a_sign_up_verifies_where_the_code_went(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """The code a user confirms a sign-up with proves they hold the email (or phone) it was
    sent to: Cognito marks that attribute verified (`email_verified` true), so that a later
    password reset can go there. moto confirms the user and leaves it unverified."""
    answer = forward(call)
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    pool = moto_state.pool_of_client(call.text("ClientId"))
    if answer.ok and user is not None and pool is not None:
        attribute = masked_delivery(user.username, user.attributes)["AttributeName"]
        if attribute in user.attributes:
            moto_state.mark_verified(pool.id, user.username, attribute)
    return answer


# --- Password reset codes -----------------------------------------------------------


_NOT_IN_THIS_STATE = "User password cannot be reset in the current state."
_NO_VERIFIED_CHANNEL = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)


@difference("ForgotPassword")
def force_change_password_users_cannot_reset(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito refuses ForgotPassword for a user in FORCE_CHANGE_PASSWORD (created by an
    administrator and never signed in): NotAuthorizedException "User password cannot be
    reset in the current state." moto sends them a code."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if user is not None and user.status == "FORCE_CHANGE_PASSWORD":
        return cognito_error("NotAuthorizedException", _NOT_IN_THIS_STATE)
    return forward(call)


@difference("ForgotPassword")
def reset_codes_go_only_to_verified_channels(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito sends a reset code only to a verified email or phone number (of those the
    pool's AccountRecoverySetting names): with neither, InvalidParameterException "Cannot
    reset password for the user as there is no registered/verified email or
    phone_number". moto "sends" it to an unverified address, or to none."""
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    pool = moto_state.pool_of_client(call.text("ClientId"))
    if user is None or pool is None:
        return forward(call)
    channels = {"verified_email": "email", "verified_phone_number": "phone_number"}
    usable = [
        channels[name]
        for name in pool.recovery_mechanisms
        if name in channels and user.attributes.get(f"{channels[name]}_verified") == "true"
    ]
    if not usable and "admin_only" not in pool.recovery_mechanisms:
        return cognito_error("InvalidParameterException", _NO_VERIFIED_CHANNEL)
    answer = forward(call)
    if answer.ok and usable:
        delivery = masked_delivery(user.username, user.attributes, usable[0])
        return _same_headers(answer, {"CodeDeliveryDetails": delivery})
    return answer


@difference("AdminResetUserPassword")
def admin_resets_send_a_code(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito's AdminResetUserPassword makes the user RESET_REQUIRED and sends a reset
    code to their verified email or phone number, with which ConfirmForgotPassword sets a
    new password. moto sends no code (the user could never set a password). Like Cognito,
    moto refuses a user who never set one (FORCE_CHANGE_PASSWORD)."""
    user = moto_state.find_user_in_pool(call.text("UserPoolId"), call.text("Username"))
    answer = forward(call)
    if answer.ok and user is not None:
        verified = [
            name
            for name in ("email", "phone_number")
            if user.attributes.get(f"{name}_verified") == "true"
        ]
        if verified:
            delivery = masked_delivery(user.username, user.attributes, verified[0])
            book.send(user.username, Purpose.PASSWORD_RESET, delivery["Destination"])
    return answer


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


@difference("ConfirmForgotPassword")
def confirm_forgot_password_applies_the_policy(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito refuses a new password that the pool's password policy refuses
    (InvalidPasswordException) and leaves a RESET_REQUIRED user CONFIRMED; moto sets any
    password and leaves the status as it was."""
    pool = moto_state.pool_of_client(call.text("ClientId"))
    password = call.text("Password")
    if pool is not None and moto_state.password_refused(pool.id, password):
        return _password_refusal(call.operation, pool.password_policy, password)
    answer = forward(call)
    user = moto_state.find_user(call.text("ClientId"), call.text("Username"))
    if answer.ok and pool is not None and user is not None and user.status == "RESET_REQUIRED":
        moto_state.set_status(pool.id, user.username, "CONFIRMED")
    return answer


# Where each operation that sets a password carries it (a parameter, or a challenge answer).
_NEW_PASSWORDS: dict[str, tuple[str, str | None]] = {
    "SignUp": ("Password", None),
    "AdminSetUserPassword": ("Password", None),
    "ChangePassword": ("ProposedPassword", None),
    "RespondToAuthChallenge": ("NEW_PASSWORD", "ChallengeResponses"),
    "AdminRespondToAuthChallenge": ("NEW_PASSWORD", "ChallengeResponses"),
}
# Cognito's special characters (a space counts as one too).
_SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# A policy's rules in the order the reason names the first one broken: (setting, moto's
# default where the setting is missing, whether a password keeps it, Cognito's words).
_POLICY_RULES: tuple[tuple[str, bool, Callable[[str], bool], str], ...] = (
    ("RequireLowercase", True, lambda p: any(c in string.ascii_lowercase for c in p), "lowercase"),
    ("RequireUppercase", True, lambda p: any(c in string.ascii_uppercase for c in p), "uppercase"),
    ("RequireNumbers", True, lambda p: any(c in string.digits for c in p), "numeric"),
    ("RequireSymbols", True, lambda p: any(c in _SYMBOLS for c in p), "symbol"),
)


def _password_refusal(operation: str, policy: dict[str, Any], password: str) -> Answer:
    """InvalidPasswordException as Cognito words it: the first rule the password breaks."""
    broken = [
        f"Password must have {kind} characters"
        for setting, default, kept, kind in _POLICY_RULES
        if policy.get(setting, default) and not kept(password)
    ]
    if len(password) < int(policy.get("MinimumLength", 5)):
        broken.insert(0, "Password not long enough")
    said = (
        "Password did not conform with policy"
        if operation == "SignUp"
        else "Password does not conform to policy"
    )
    message = f"{said}: {broken[0]}" if broken else f"{said}."
    return cognito_error("InvalidPasswordException", message)


def _pool_of(call: Call) -> moto_state.PoolView | None:
    """The pool a call concerns: by its app client, its pool id or its access token."""
    if call.text("ClientId"):
        return moto_state.pool_of_client(call.text("ClientId"))
    if call.text("UserPoolId"):
        return moto_state.pool_by_id(call.text("UserPoolId"))
    user = moto_state.user_of_token(call.text("AccessToken"))
    return moto_state.pool_by_id(user[0]) if user is not None else None


@difference(*_NEW_PASSWORDS)
def password_refusals_name_the_rule(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito refuses a password the pool's policy refuses with InvalidPasswordException
    naming the first rule it breaks: "Password did not conform with policy: Password must
    have numeric characters" at sign-up, "Password does not conform to policy: ..."
    elsewhere. moto says "The provided password does not confirm to the configured
    password policy" (sic) whatever the rule."""
    answer = forward(call)
    if answer.ok or answer.json().get("__type") != "InvalidPasswordException":
        return answer
    name, inside = _NEW_PASSWORDS[call.operation]
    password = (call.mapping(inside) if inside else call.params).get(name)
    pool = _pool_of(call)
    policy = pool.password_policy if pool is not None else {}
    return _password_refusal(call.operation, policy, password if isinstance(password, str) else "")


# --- Sign-in ------------------------------------------------------------------------

_PASSWORD_FLOWS = frozenset({"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"})


@difference("AdminInitiateAuth", "InitiateAuth")
def unconfirmed_users_get_no_tokens(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito answers UserNotConfirmedException to an unconfirmed user who gives the right
    password (NotAuthorizedException to a wrong one); moto signs them in through
    AdminInitiateAuth (its InitiateAuth already refuses them)."""
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


def _signing_in(call: Call) -> moto_state.UserView | None:
    """The user a password sign-in names, if it is one and the user exists."""
    if call.text("AuthFlow") not in _PASSWORD_FLOWS:
        return None
    username = call.mapping("AuthParameters").get("USERNAME")
    return (
        moto_state.find_user(call.text("ClientId"), username) if isinstance(username, str) else None
    )


@difference("AdminInitiateAuth", "InitiateAuth")
def reset_required_users_must_reset_first(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito answers a password sign-in of a RESET_REQUIRED user (after
    AdminResetUserPassword, or imported by a user import job) with
    PasswordResetRequiredException "Password reset required for the user"; moto asks for
    a new password (NEW_PASSWORD_REQUIRED) when the old password is given."""
    user = _signing_in(call)
    if user is not None and user.enabled and user.status == "RESET_REQUIRED":
        return cognito_error(
            "PasswordResetRequiredException", "Password reset required for the user"
        )
    return forward(call)


_INCORRECT = "Incorrect username or password."


@difference("AdminInitiateAuth", "InitiateAuth")
def wrong_passwords_are_incorrect_username_or_password(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito answers a wrong password with NotAuthorizedException "Incorrect username
    or password." (and an unknown user the same way when the app client's
    PreventUserExistenceErrors is ENABLED); moto's AdminInitiateAuth gives the username
    as the message (its InitiateAuth already says "Incorrect username or password."),
    and both answer UserNotFoundException whatever the client says."""
    answer = forward(call)
    if answer.ok or call.text("AuthFlow") not in _PASSWORD_FLOWS:
        return answer
    error = answer.json().get("__type", "")
    hiding = moto_state.client_setting(call.text("ClientId"), "PreventUserExistenceErrors")
    if error == "NotAuthorizedException" and answer.json().get("message") != "User is disabled.":
        return cognito_error("NotAuthorizedException", _INCORRECT)
    if error == "UserNotFoundException" and hiding == "ENABLED":
        return cognito_error("NotAuthorizedException", _INCORRECT)
    return answer


# --- Multi-factor authentication ----------------------------------------------------


_CHALLENGE_ANSWERS = ("AdminRespondToAuthChallenge", "RespondToAuthChallenge")
_MFA_MISMATCH = "Invalid code or auth state for the user."
# Cognito: after five wrong MFA codes, the user is locked out as after wrong passwords.
_LOCKED_OUT = "Password attempts exceeded"
_TOTP_MISMATCH = {
    "EnableSoftwareTokenMFAException": "Code mismatch and fail enable Software Token MFA",
    "CodeMismatchException": _MFA_MISMATCH,
}


@difference("AdminInitiateAuth", "InitiateAuth", *_CHALLENGE_ANSWERS)
def sms_mfa_codes_are_sent_and_checked(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito texts a six-digit code when it asks for SMS_MFA (and says where in the
    challenge's CODE_DELIVERY_DELIVERY_MEDIUM and CODE_DELIVERY_DESTINATION) and signs in
    only with that code (CodeMismatchException; after five wrong ones
    NotAuthorizedException "Password attempts exceeded"); the emulator prints it and
    lists it at /local/codes. moto sends none and accepts any code."""
    answering = call.text("ChallengeName") == "SMS_MFA"
    owner = moto_state.session_user(call.text("Session")) if answering else None
    if owner is not None:
        code = str(call.mapping("ChallengeResponses").get("SMS_MFA_CODE", ""))
        try:
            book.refuse_if_locked(owner[1], Purpose.SMS_MFA)
        except CodeRefused:
            return cognito_error("NotAuthorizedException", _LOCKED_OUT)
        try:
            book.check(owner[1], Purpose.SMS_MFA, code)
        except CodeRefused as refusal:
            if refusal.cognito_code == "CodeMismatchException":
                return cognito_error("CodeMismatchException", _MFA_MISMATCH)
            return refused(refusal)
    answer = forward(call)
    body = answer.json()
    if answer.ok and owner is not None:
        book.discard(owner[1], Purpose.SMS_MFA)
    if answer.ok and body.get("ChallengeName") == "SMS_MFA":
        asked = moto_state.session_user(str(body.get("Session", "")))
        if asked is not None:
            destination = moto_state.sms_destination(*asked)
            book.send(asked[1], Purpose.SMS_MFA, destination)
            parameters = body.get("ChallengeParameters") or {}
            body["ChallengeParameters"] = {
                **parameters,
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": destination,
            }
            return _same_headers(answer, body)
    return answer


@difference("AdminInitiateAuth", "InitiateAuth")
def required_mfa_is_set_up_before_tokens(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito, in a pool whose MfaConfiguration is ON, answers a password sign-in of a
    user with no MFA set up with an MFA_SETUP challenge (MFAS_CAN_SETUP, a JSON list)
    instead of tokens; moto hands out tokens (it asks for MFA_SETUP only after a new
    password or an SRP sign-in, and then as a Python list)."""
    answer = forward(call)
    body = answer.json()
    user = _signing_in(call)
    pool = moto_state.pool_of_client(call.text("ClientId"))
    if not (answer.ok and "AuthenticationResult" in body and user and pool):
        return answer
    factors = moto_state.mfa_to_set_up(pool.id, user.username)
    if not factors:
        return answer
    session = moto_state.new_session(pool.id, user.username)
    return _same_headers(
        answer,
        {
            "ChallengeName": "MFA_SETUP",
            "ChallengeParameters": {"MFAS_CAN_SETUP": json.dumps(factors)},
            "Session": session,
        },
    )


def _token_owner(call: Call) -> tuple[str, str] | None:
    """The (pool id, username) of the call's Session, else of its AccessToken."""
    session = call.text("Session")
    if session:
        return moto_state.session_user(session)
    return moto_state.user_of_token(call.text("AccessToken"))


@difference("AssociateSoftwareToken")
def authenticator_secrets_are_random(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito hands out a new random authenticator secret on each AssociateSoftwareToken
    (32 base32 characters, 160 bits), and only codes of the user's verified secret are
    then accepted; moto hands everyone one fixed 12-character secret, 'asdfasdfasdf'
    (60 bits, which pyotp refuses)."""
    owner = _token_owner(call)
    answer = forward(call)
    if not answer.ok or owner is None:
        return answer
    body = answer.json()
    body["SecretCode"] = book.new_authenticator_secret(*owner)
    return _same_headers(answer, body)


@difference("VerifySoftwareToken", *_CHALLENGE_ANSWERS)
def totp_codes_are_checked(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito checks authenticator (TOTP) codes against the user's own secret, when one
    is set up (EnableSoftwareTokenMFAException) and at sign-in (CodeMismatchException),
    and, after five wrong codes, locks the user out (NotAuthorizedException "Password
    attempts exceeded"). moto accepts any code unless the whole process sets
    MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true, and then checks its one fixed secret."""
    if call.operation == "VerifySoftwareToken":
        name, inside, error = "UserCode", None, "EnableSoftwareTokenMFAException"
        owner = _token_owner(call)
        secret = book.pending_authenticator_secret(*owner) if owner else None
    elif call.text("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        name, inside, error = (
            "SOFTWARE_TOKEN_MFA_CODE",
            "ChallengeResponses",
            "CodeMismatchException",
        )
        owner = moto_state.session_user(call.text("Session"))
        secret = book.authenticator_secret(*owner) if owner else None
    else:
        return forward(call)
    if owner is None:
        return forward(call)
    code = call.mapping(inside).get(name) if inside else call.params.get(name)
    try:
        book.refuse_if_locked(owner[1], Purpose.AUTHENTICATOR)
    except CodeRefused:
        return cognito_error("NotAuthorizedException", _LOCKED_OUT)
    valid = (
        isinstance(code, str) and secret is not None and moto_state.totp_code_valid(secret, code)
    )
    if not valid and not book.accept_any_authenticator:
        book.count_wrong(owner[1], Purpose.AUTHENTICATOR)
        return cognito_error(error, _TOTP_MISMATCH[error])
    # moto checks codes against its own fixed secret when MOTO_..._ENABLE_TOTP is set.
    answer = forward(_with_param(call, name, moto_state.moto_totp_code(), inside))
    if answer.ok:
        book.discard(owner[1], Purpose.AUTHENTICATOR)
    return answer


@difference("VerifySoftwareToken")
def verifying_an_authenticator_ends_its_session(
    book: CodeBook, call: Call, forward: Forward
) -> Answer:
    """Cognito's VerifySoftwareToken, given a sign-in session (MFA_SETUP), answers a new
    session and ends the old one (NotAuthorizedException if used again), and makes the
    verified secret the user's; moto keeps the old session valid."""
    owner = _token_owner(call)
    answer = forward(call)
    if answer.ok and owner is not None:
        book.activate_authenticator_secret(*owner)
        if call.text("Session"):
            moto_state.forget_session(call.text("Session"))
    return answer


# --- Tokens ------------------------------------------------------------------------

_TOKEN_OPERATIONS = ("AdminInitiateAuth", "InitiateAuth", *_CHALLENGE_ANSWERS)
_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})


def _claims(token: str) -> dict[str, Any]:
    import jwt

    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _id_token_claim(name: str, value: str) -> Any:
    """An attribute as Cognito writes it in an id token (booleans and numbers as such)."""
    if name in _BOOLEAN_ATTRIBUTES:
        return value == "true"
    if name == "updated_at" and value.isdigit():
        return int(value)
    return value


@difference(*_TOKEN_OPERATIONS)
def id_tokens_carry_the_users_attributes(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito's id token carries the user's attributes that the app client may read (all
    of them by default: email, name, custom ones, email_verified and
    phone_number_verified as booleans), and both tokens an event_id; a refresh keeps the
    sign-in's auth_time and event_id. moto's id token carries only custom attributes
    (and the email, in a pool that signs in by email) unless the client lists
    ReadAttributes, no event_id, and an auth_time that is the time of the refresh."""
    answer = forward(call)
    body = answer.json()
    result = body.get("AuthenticationResult") if answer.ok else None
    if not isinstance(result, dict) or not isinstance(result.get("AccessToken"), str):
        return answer
    access = _claims(result["AccessToken"])
    origin = str(access.get("origin_jti", ""))
    pool_id = str(access.get("iss", "")).rsplit("/", 1)[-1]
    sign_in = book.sign_in_of(origin)
    if "RefreshToken" in result or sign_in is None:
        sign_in = (int(access["auth_time"]), str(uuid.uuid4()))
        book.remember_sign_in(origin, *sign_in)
    auth_time, event_id = sign_in
    access.update(auth_time=auth_time, event_id=event_id)
    result["AccessToken"] = moto_state.reissue(result["AccessToken"], access)
    if isinstance(result.get("IdToken"), str):
        claims = _claims(result["IdToken"])
        readable = moto_state.client_setting(str(claims.get("aud", "")), "ReadAttributes")
        for attribute in moto_state.user_attributes(pool_id, str(access.get("username", ""))):
            name = attribute["Name"]
            if name != "sub" and not name.startswith("dev:") and (not readable or name in readable):
                claims[name] = _id_token_claim(name, attribute["Value"])
        claims.update(auth_time=auth_time, event_id=event_id)
        result["IdToken"] = moto_state.reissue(result["IdToken"], claims)
    return _same_headers(answer, body)


# --- Invitations -------------------------------------------------------------------


def _temporary_password(policy: dict[str, Any]) -> str:
    """A random password that meets the pool's policy (as Cognito makes one)."""
    length = max(int(policy.get("MinimumLength", 8)), 12)
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "^$*.[]{}()?!@#%&"]
    chosen = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chosen += [secrets.choice(everything) for _ in range(length - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


@difference("AdminCreateUser")
def invitations_send_a_temporary_password(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito makes a temporary password that meets the pool's policy when none is
    given and, unless MessageAction is SUPPRESS, sends it in an invitation (valid for the
    pool's TemporaryPasswordValidityDays, 7 by default); the emulator prints it and lists
    it at /local/codes. moto makes none (the user can never sign in) and sends nothing."""
    pool = moto_state.pool_by_id(call.text("UserPoolId"))
    password = call.text("TemporaryPassword")
    if pool is not None and not password and call.text("MessageAction") != "RESEND":
        password = _temporary_password(pool.password_policy)
        call = _with_param(call, "TemporaryPassword", password)
    answer = forward(call)
    user = answer.json().get("User") if answer.ok else None
    if isinstance(user, dict) and password and call.text("MessageAction") != "SUPPRESS":
        attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", []) if "Name" in a}
        delivery = masked_delivery(str(user.get("Username", "")), attributes)
        book.send(
            str(user.get("Username", "")),
            Purpose.TEMPORARY_PASSWORD,
            delivery["Destination"],
            code=password,
        )
    return answer


# --- Calls made with the user's access token ------------------------------------------

_ACCESS_TOKEN_OPERATIONS = (
    "GetUser",
    "UpdateUserAttributes",
    "DeleteUserAttributes",
    "DeleteUser",
    "ChangePassword",
    "GlobalSignOut",
    "SetUserMFAPreference",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "GetUserAttributeVerificationCode",
    "VerifyUserAttribute",
)


@difference(*_ACCESS_TOKEN_OPERATIONS)
def signed_out_access_tokens_are_revoked(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito refuses an access token of a user who signed out (GlobalSignOut,
    AdminUserGlobalSignOut) or whose session was revoked with NotAuthorizedException
    "Access Token has been revoked", and one it never issued with "Invalid Access Token".
    moto refuses both with the token itself as the message (which would put a token in
    any log that records messages)."""
    token = call.params.get("AccessToken")
    if not isinstance(token, str) or moto_state.access_token_live(token):
        return forward(call)
    if moto_state.issued_here(token):
        return cognito_error("NotAuthorizedException", "Access Token has been revoked")
    return cognito_error("NotAuthorizedException", _BAD_ACCESS_TOKEN)


@difference("DeleteUser")
def users_delete_themselves(book: CodeBook, call: Call, forward: Forward) -> Answer:
    """Cognito's DeleteUser deletes the access token's user (a signed-out or revoked
    token is refused before, by the unit above). moto does not implement DeleteUser
    (HTTP 500)."""
    owner = moto_state.user_of_token(call.text("AccessToken"))
    if owner is None:
        return cognito_error("NotAuthorizedException", _BAD_ACCESS_TOKEN)
    moto_state.delete_user(*owner)
    return success({})


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

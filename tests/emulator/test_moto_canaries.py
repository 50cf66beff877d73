"""Canaries: for every difference in local_cognito/differences.py, a `test_moto_still_...`
test that calls bare moto (the session's ThreadedMotoServer, no emulator layer) through
boto3 over HTTP and passes only while moto still behaves the lax way the difference's
docstring says. When one fails, moto behaves like Cognito there: drop the difference.

CANARIES names each difference's canary; those written before this file live in
tests/emulator/test_differences.py. Where HTTP cannot show what moto lacks (a password it never
made, a session record with no time in it), the canary reads moto's own objects, which
the in-process server shares with the test.
"""

from __future__ import annotations

import ast
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from local_cognito.differences import DIFFERENCES
from tests.support.cognito import (
    PASSWORD,
    REGION,
    TEST_POLICY,
    Pool,
    admin_sign_in,
    confirmed_user,
    error_code,
    signed_up_user,
    user_attributes,
    user_status,
)

HERE = Path(__file__).parent

CANARIES: dict[str, str] = {
    "secret_hashes_are_checked": "test_moto_still_signs_up_without_the_secret_hash",
    "usernames_ignore_case_where_the_pool_says_so": (
        "test_moto_still_tells_usernames_apart_by_case_in_a_case_insensitive_pool"
    ),
    "unknown_session_is_not_authorized": (
        "test_moto_still_answers_resource_not_found_for_an_unknown_session"
    ),
    "challenge_sessions_expire": "test_moto_still_keeps_challenge_sessions_forever",
    "repeated_wrong_codes_are_refused": "test_moto_still_takes_any_number_of_wrong_codes",
    "only_sign_ups_are_confirmed": "test_moto_still_confirms_the_sign_up_of_an_invited_user",
    "sign_up_sends_a_code": "test_moto_still_makes_no_sign_up_code",
    "resend_confirmation_code": "test_moto_still_lacks_resend_confirmation_code",
    "confirm_sign_up_checks_the_code": "test_moto_still_accepts_any_sign_up_code",
    "confirming_a_sign_up_verifies_where_the_code_went": (
        "test_moto_still_leaves_the_email_unverified_when_a_sign_up_is_confirmed"
    ),
    "force_change_password_users_cannot_reset": (
        "test_moto_still_sends_force_change_password_users_a_reset_code"
    ),
    "admin_resets_send_a_code": "test_moto_still_sends_no_code_for_an_admin_reset",
    "reset_codes_go_only_to_verified_channels": (
        "test_moto_still_sends_reset_codes_without_a_verified_channel"
    ),
    "forgot_password_sends_a_code": "test_moto_still_hands_its_reset_code_back_in_a_header",
    "confirm_forgot_password_checks_the_code": (
        "test_moto_still_accepts_any_reset_code_without_its_prefix"
    ),
    "confirm_forgot_password_applies_the_policy": (
        "test_moto_still_resets_to_any_password_and_keeps_the_status"
    ),
    "password_refusals_name_the_rule": "test_moto_still_misspells_its_password_refusal",
    "unconfirmed_users_get_no_tokens": "test_moto_still_signs_unconfirmed_users_in",
    "reset_required_users_must_reset_first": (
        "test_moto_still_asks_reset_required_users_for_a_new_password"
    ),
    "wrong_passwords_are_incorrect_username_or_password": (
        "test_moto_still_names_the_user_and_reveals_unknown_ones_at_sign_in"
    ),
    "sms_mfa_codes_are_sent_and_checked": "test_moto_still_sends_and_checks_no_sms_mfa_code",
    "required_mfa_is_set_up_before_tokens": (
        "test_moto_still_hands_out_tokens_before_required_mfa_is_set_up"
    ),
    "authenticator_secrets_are_random": "test_moto_still_gives_everyone_one_authenticator_secret",
    "totp_codes_are_checked": "test_moto_still_accepts_any_totp_code_by_default",
    "verifying_an_authenticator_ends_its_session": (
        "test_moto_still_keeps_the_session_an_authenticator_was_verified_with"
    ),
    "id_tokens_carry_the_users_attributes": (
        "test_moto_still_leaves_attributes_and_event_id_out_of_tokens"
    ),
    "invitations_send_a_temporary_password": "test_moto_still_makes_no_temporary_password",
    # One canary for both: moto implements neither operation.
    "signed_out_access_tokens_are_revoked": (
        "test_moto_still_answers_a_signed_out_access_token_with_the_token_itself"
    ),
    "users_delete_themselves": "test_moto_still_lacks_delete_user",
    "attribute_verification_code": "test_moto_still_lacks_attribute_verification",
    "verify_user_attribute": "test_moto_still_lacks_attribute_verification",
    "revoke_token": "test_moto_still_lacks_revoke_token",
}

NEW_PASSWORD = "An0ther-Passw0rd"
MOTO_CODE_PREFIX = "moto-confirmation-code:"
MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
# More wrong codes in a row than Cognito takes before LimitExceededException (about 5).
MANY_WRONG_CODES = 10
# Longer than any app client's AuthSessionValidity (3 to 15 minutes).
LONGER_THAN_ANY_SESSION = 16 * 60


def _canary_names(path: Path) -> set[str]:
    """The names of the `test_moto_still_...` functions (or methods) defined in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_moto_still_")
    }


def test_every_difference_has_a_canary() -> None:
    assert set(CANARIES) == {difference.name for difference in DIFFERENCES}
    here = _canary_names(Path(__file__))
    defined = here | _canary_names(HERE / "test_differences.py")
    assert set(CANARIES.values()) - defined == set()
    assert here - set(CANARIES.values()) == set(), "a canary here that no difference names"


# --- Helpers --------------------------------------------------------------------------


@pytest.fixture
def totp_unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's default: it checks no authenticator code (MOTO_..._ENABLE_TOTP unset)."""
    monkeypatch.delenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", raising=False)


def _pool(idp: Any, client: dict[str, Any] | None = None, **settings: Any) -> Pool:
    """A pool of some kind (test_conformance.py's pool kinds) and an app client."""
    pool = idp.create_user_pool(
        PoolName=f"canary-{uuid.uuid4().hex[:8]}",
        Policies={"PasswordPolicy": TEST_POLICY},
        **settings,
    )["UserPool"]
    app_client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="canary",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **(client or {}),
    )["UserPoolClient"]
    return Pool(pool["Id"], app_client["ClientId"], idp.meta.endpoint_url)


def _mfa_on_pool(idp: Any) -> Pool:
    """A pool whose MfaConfiguration is ON, with authenticator (TOTP) MFA."""
    pool = _pool(idp)
    idp.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    return pool


def _invited(idp: Any, pool: Pool, **attributes: str) -> str:
    """A FORCE_CHANGE_PASSWORD user whose temporary password is PASSWORD."""
    username = f"ivy-{uuid.uuid4().hex[:8]}"
    idp.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
    )
    return username


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _new_password_session(idp: Any, pool: Pool, username: str) -> str:
    """Sign an invited user in; return the NEW_PASSWORD_REQUIRED challenge's session."""
    answer = admin_sign_in(idp, pool, username)
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return str(answer["Session"])


def _answer(idp: Any, pool: Pool, challenge: str, session: str, **responses: str) -> Any:
    return idp.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName=challenge,
        Session=session,
        ChallengeResponses=responses,
    )


def _moto_backend() -> Any:
    """moto's Cognito backend the test's fake credentials reach (shared in-process)."""
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION]


def _move_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the process's time.time (moto's clock, its server runs in-process) on."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)


# --- Usernames ------------------------------------------------------------------------


def test_moto_still_tells_usernames_apart_by_case_in_a_case_insensitive_pool(bare: Any) -> None:
    pool = _pool(bare, UsernameConfiguration={"CaseSensitive": False})
    name = f"Alice-{uuid.uuid4().hex[:8]}"
    for username in (name, name.lower()):
        bare.admin_create_user(UserPoolId=pool.id, Username=username, MessageAction="SUPPRESS")
    listed = {user["Username"] for user in bare.list_users(UserPoolId=pool.id)["Users"]}
    assert listed == {name, name.lower()}
    with pytest.raises(ClientError) as raised:
        bare.admin_get_user(UserPoolId=pool.id, Username=name.upper())
    assert error_code(raised) == "UserNotFoundException"


# --- Sessions -------------------------------------------------------------------------


def test_moto_still_keeps_challenge_sessions_forever(
    bare: Any, bare_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = _invited(bare, bare_pool)
    session = _new_password_session(bare, bare_pool, username)
    # moto's record of the session holds who and where, no time it was handed out ...
    backend = _moto_backend()
    assert backend.sessions[session] == (username, backend.user_pools[bare_pool.id])
    # ... and the session still answers the challenge after longer than any validity.
    _move_clock(monkeypatch, LONGER_THAN_ANY_SESSION)
    answer = _answer(
        bare,
        bare_pool,
        "NEW_PASSWORD_REQUIRED",
        session,
        USERNAME=username,
        NEW_PASSWORD=NEW_PASSWORD,
    )
    assert answer["AuthenticationResult"]["AccessToken"]


# --- Codes ----------------------------------------------------------------------------


def test_moto_still_takes_any_number_of_wrong_codes(bare: Any, bare_pool: Pool) -> None:
    # moto checks only reset codes of its own (prefixed): wrong ones are ExpiredCode ...
    username = confirmed_user(bare, bare_pool)
    answer = bare.forgot_password(ClientId=bare_pool.client_id, Username=username)
    right = answer["ResponseMetadata"]["HTTPHeaders"][MOTO_CODE_HEADER]
    wrong = MOTO_CODE_PREFIX + "000000"  # moto's codes are 100000 to 999999
    refusals = set()
    for _ in range(MANY_WRONG_CODES):
        with pytest.raises(ClientError) as raised:
            bare.confirm_forgot_password(
                ClientId=bare_pool.client_id,
                Username=username,
                Password=NEW_PASSWORD,
                ConfirmationCode=wrong,
            )
        refusals.add(error_code(raised))
    assert "LimitExceededException" not in refusals
    # ... and never so many that the right code stops working.
    bare.confirm_forgot_password(
        ClientId=bare_pool.client_id,
        Username=username,
        Password=NEW_PASSWORD,
        ConfirmationCode=right,
    )
    assert admin_sign_in(bare, bare_pool, username, NEW_PASSWORD)["AuthenticationResult"]


def test_moto_still_makes_no_sign_up_code(bare: Any, bare_pool: Pool) -> None:
    username = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    answer = bare.sign_up(
        ClientId=bare_pool.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": username}],
    )
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert not [name for name in headers if name.startswith("x-moto")]
    # Not even one of its own, as for password resets: a code with its prefix confirms.
    bare.confirm_sign_up(
        ClientId=bare_pool.client_id,
        Username=username,
        ConfirmationCode=MOTO_CODE_PREFIX + "000000",
    )
    assert user_status(bare, bare_pool, username) == "CONFIRMED"


def test_moto_still_leaves_the_email_unverified_when_a_sign_up_is_confirmed(
    bare: Any, bare_pool: Pool
) -> None:
    username = signed_up_user(bare, bare_pool)
    bare.confirm_sign_up(ClientId=bare_pool.client_id, Username=username, ConfirmationCode="1")
    assert user_status(bare, bare_pool, username) == "CONFIRMED"
    attributes = user_attributes(bare, bare_pool, username)
    assert attributes["email"] == username
    assert attributes.get("email_verified") != "true"


# --- Password resets ------------------------------------------------------------------


def test_moto_still_sends_force_change_password_users_a_reset_code(
    bare: Any, bare_pool: Pool
) -> None:
    username = _invited(bare, bare_pool, email="ivy@example.com", email_verified="true")
    assert user_status(bare, bare_pool, username) == "FORCE_CHANGE_PASSWORD"
    answer = bare.forgot_password(ClientId=bare_pool.client_id, Username=username)
    assert answer["CodeDeliveryDetails"]["Destination"]
    assert answer["ResponseMetadata"]["HTTPHeaders"][MOTO_CODE_HEADER]


def test_moto_still_confirms_the_sign_up_of_an_invited_user(bare: Any, bare_pool: Pool) -> None:
    username = _invited(bare, bare_pool, email="ivo@example.com")
    bare.confirm_sign_up(ClientId=bare_pool.client_id, Username=username, ConfirmationCode="1")
    assert user_status(bare, bare_pool, username) == "CONFIRMED"


def test_moto_still_sends_no_code_for_an_admin_reset(bare: Any, bare_pool: Pool) -> None:
    username = _invited(bare, bare_pool, email="ike@example.com", email_verified="true")
    bare.admin_set_user_password(
        UserPoolId=bare_pool.id, Username=username, Password=PASSWORD, Permanent=True
    )
    answer = bare.admin_reset_user_password(UserPoolId=bare_pool.id, Username=username)
    assert user_status(bare, bare_pool, username) == "RESET_REQUIRED"
    assert MOTO_CODE_HEADER not in answer["ResponseMetadata"]["HTTPHeaders"]


def test_moto_still_sends_reset_codes_without_a_verified_channel(bare: Any) -> None:
    pool = _pool(
        bare,
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )
    unverified = _invited(bare, pool, email="una@example.com", email_verified="false")
    no_address = _invited(bare, pool)
    for username in (unverified, no_address):
        bare.admin_set_user_password(
            UserPoolId=pool.id, Username=username, Password=PASSWORD, Permanent=True
        )
        answer = bare.forgot_password(ClientId=pool.client_id, Username=username)
        assert answer["CodeDeliveryDetails"]["AttributeName"] == "email"


def test_moto_still_hands_its_reset_code_back_in_a_header(bare: Any, bare_pool: Pool) -> None:
    username = confirmed_user(bare, bare_pool)
    answer = bare.forgot_password(ClientId=bare_pool.client_id, Username=username)
    code = answer["ResponseMetadata"]["HTTPHeaders"][MOTO_CODE_HEADER]
    assert code.startswith(MOTO_CODE_PREFIX)
    assert code.removeprefix(MOTO_CODE_PREFIX).isdigit()
    # A six-digit code as Cognito sends is not checked at all.
    bare.confirm_forgot_password(
        ClientId=bare_pool.client_id,
        Username=username,
        Password=NEW_PASSWORD,
        ConfirmationCode="123456",
    )


def test_moto_still_resets_to_any_password_and_keeps_the_status(bare: Any, bare_pool: Pool) -> None:
    weak = "weak"  # too short, no upper case, no number: TEST_POLICY refuses it
    username = confirmed_user(bare, bare_pool)
    bare.forgot_password(ClientId=bare_pool.client_id, Username=username)
    bare.confirm_forgot_password(
        ClientId=bare_pool.client_id, Username=username, Password=weak, ConfirmationCode="1"
    )
    assert admin_sign_in(bare, bare_pool, username, weak)["AuthenticationResult"]

    username = confirmed_user(bare, bare_pool)
    bare.admin_reset_user_password(UserPoolId=bare_pool.id, Username=username)
    bare.confirm_forgot_password(
        ClientId=bare_pool.client_id,
        Username=username,
        Password=NEW_PASSWORD,
        ConfirmationCode="1",
    )
    assert user_status(bare, bare_pool, username) == "RESET_REQUIRED"


# --- Sign-in --------------------------------------------------------------------------


def test_moto_still_asks_reset_required_users_for_a_new_password(
    bare: Any, bare_pool: Pool
) -> None:
    username = confirmed_user(bare, bare_pool)
    bare.admin_reset_user_password(UserPoolId=bare_pool.id, Username=username)
    assert user_status(bare, bare_pool, username) == "RESET_REQUIRED"
    answer = admin_sign_in(bare, bare_pool, username)
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert answer["Session"]


def test_moto_still_names_the_user_and_reveals_unknown_ones_at_sign_in(bare: Any) -> None:
    # AdminInitiateAuth: moto's InitiateAuth already says "Incorrect username or password."
    pool = _pool(bare, client={"PreventUserExistenceErrors": "ENABLED"})
    username = confirmed_user(bare, pool)
    with pytest.raises(ClientError) as raised:
        admin_sign_in(bare, pool, username, "Wr0ng-Passw0rd")
    assert error_code(raised) == "NotAuthorizedException"
    assert raised.value.response["Error"]["Message"] == username
    with pytest.raises(ClientError) as raised:
        admin_sign_in(bare, pool, f"nobody-{uuid.uuid4().hex[:8]}")
    assert error_code(raised) == "UserNotFoundException"


# --- Multi-factor authentication ------------------------------------------------------


def test_moto_still_sends_and_checks_no_sms_mfa_code(bare: Any, bare_pool: Pool) -> None:
    username = confirmed_user(bare, bare_pool)
    bare.admin_update_user_attributes(
        UserPoolId=bare_pool.id,
        Username=username,
        UserAttributes=[
            {"Name": "phone_number", "Value": "+15555550100"},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
    )
    bare.admin_set_user_mfa_preference(
        UserPoolId=bare_pool.id,
        Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    challenge = admin_sign_in(bare, bare_pool, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert "CODE_DELIVERY_DESTINATION" not in challenge["ChallengeParameters"]
    answer = _answer(
        bare,
        bare_pool,
        "SMS_MFA",
        challenge["Session"],
        USERNAME=username,
        SMS_MFA_CODE="not-a-code",
    )
    assert answer["AuthenticationResult"]["AccessToken"]


def test_moto_still_hands_out_tokens_before_required_mfa_is_set_up(bare: Any) -> None:
    pool = _mfa_on_pool(bare)
    username = confirmed_user(bare, pool)
    answer = admin_sign_in(bare, pool, username)
    assert "ChallengeName" not in answer
    assert answer["AuthenticationResult"]["AccessToken"]


def test_moto_still_gives_everyone_one_authenticator_secret(bare: Any, bare_pool: Pool) -> None:
    secrets = set()
    for _ in range(2):
        username = confirmed_user(bare, bare_pool)
        access = admin_sign_in(bare, bare_pool, username)["AuthenticationResult"]["AccessToken"]
        secrets.add(bare.associate_software_token(AccessToken=access)["SecretCode"])
    assert secrets == {"asdfasdfasdf"}


@pytest.mark.usefixtures("totp_unchecked")
def test_moto_still_keeps_the_session_an_authenticator_was_verified_with(bare: Any) -> None:
    pool = _mfa_on_pool(bare)
    username = _invited(bare, pool)
    session = _new_password_session(bare, pool, username)
    setup = _answer(
        bare, pool, "NEW_PASSWORD_REQUIRED", session, USERNAME=username, NEW_PASSWORD=NEW_PASSWORD
    )
    assert setup["ChallengeName"] == "MFA_SETUP"
    session = setup["Session"]
    bare.associate_software_token(Session=session)
    verified = bare.verify_software_token(Session=session, UserCode="000000")
    assert verified["Status"] == "SUCCESS"
    assert verified["Session"] != session
    # The session the authenticator was verified with still finishes the sign-in.
    answer = _answer(bare, pool, "MFA_SETUP", session, USERNAME=username)
    assert answer["AuthenticationResult"]["AccessToken"]


# --- Tokens ---------------------------------------------------------------------------


def test_moto_still_leaves_attributes_and_event_id_out_of_tokens(
    bare: Any, bare_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = confirmed_user(bare, bare_pool)
    bare.admin_update_user_attributes(
        UserPoolId=bare_pool.id,
        Username=username,
        UserAttributes=[{"Name": "name", "Value": "Bob"}],
    )
    result = admin_sign_in(bare, bare_pool, username)["AuthenticationResult"]
    id_claims = _claims(result["IdToken"])
    assert {"name", "email", "email_verified"} & set(id_claims) == set()
    assert "event_id" not in id_claims
    assert "event_id" not in _claims(result["AccessToken"])
    # A refresh's auth_time is the time of the refresh, not of the sign-in.
    _move_clock(monkeypatch, 120)
    refreshed = bare.admin_initiate_auth(
        UserPoolId=bare_pool.id,
        ClientId=bare_pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    assert _claims(refreshed["IdToken"])["auth_time"] >= id_claims["auth_time"] + 120


# --- Invitations ----------------------------------------------------------------------


def test_moto_still_makes_no_temporary_password(bare: Any, bare_pool: Pool) -> None:
    username = f"ivy-{uuid.uuid4().hex[:8]}"
    answer = bare.admin_create_user(
        UserPoolId=bare_pool.id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": "ivy@example.com"}],
    )
    assert answer["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    # HTTP cannot show a password nobody was sent: moto's record of the user has none.
    assert _moto_backend().user_pools[bare_pool.id].users[username].password is None


def test_moto_still_answers_a_signed_out_access_token_with_the_token_itself(
    bare: Any, bare_pool: Pool
) -> None:
    username = _invited(bare, bare_pool, email="ola@example.com")
    bare.admin_set_user_password(
        UserPoolId=bare_pool.id, Username=username, Password=PASSWORD, Permanent=True
    )
    tokens = bare.admin_initiate_auth(
        UserPoolId=bare_pool.id,
        ClientId=bare_pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    bare.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as refused:
        bare.global_sign_out(AccessToken=tokens["AccessToken"])
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("NotAuthorizedException", tokens["AccessToken"])


def test_moto_still_lacks_delete_user(bare: Any) -> None:
    # moto answers an action it does not implement with HTTP 500.
    with pytest.raises(ClientError):
        bare.delete_user(AccessToken="any")


def test_moto_still_signs_up_without_the_secret_hash(bare: Any) -> None:
    pool = bare.create_user_pool(PoolName=f"secret-{uuid.uuid4().hex[:6]}")["UserPool"]
    client = bare.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="with-secret", GenerateSecret=True
    )["UserPoolClient"]
    answer = bare.sign_up(
        ClientId=client["ClientId"], Username=f"sam-{uuid.uuid4().hex[:6]}", Password=PASSWORD
    )
    assert answer["UserSub"]

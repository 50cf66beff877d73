"""Every row of the conformance table (tests/emulator/cognito_conformance.py), run against the local
emulator with strict codes, through boto3 over HTTP as the proxy calls it.

A row expecting an exception passes when boto3 raises that exception (with the row's
message, where it gives one); a row expecting "ok" passes when its scenario's checks of
what then holds pass. Each scenario is named in the table's `act` column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
import pyotp
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from local_cognito import CodeBook, RunningServer, serve
from local_cognito.differences import DIFFERENCES
from tests.emulator.cognito_conformance import ROWS, Row
from tests.support import ROOT
from tests.support.cognito import PASSWORD, REGION, TEST_POLICY
from tests.support.totp import fresh_code

NEW_PASSWORD = "An0ther-Passw0rd"
WEAK_PASSWORD = "weak"
CONSOLE_LINE = re.compile(r"(?P<label>.+) for (?P<username>\S+): (?P<code>\S+)")


@dataclass
class Console:
    """What the emulator printed, and the clock its codes and sessions run on."""

    lines: list[str] = field(default_factory=list)
    now: float = 1_800_000_000.0

    def last(self, username: str, label: str) -> str:
        for line in reversed(self.lines):
            match = CONSOLE_LINE.fullmatch(line)
            if match and match["username"] == username and match["label"] == label:
                return match["code"]
        raise AssertionError(f"no {label} printed for {username}: {self.lines[-5:]}")


@dataclass(frozen=True)
class Pool:
    id: str
    client_id: str


@dataclass
class Env:
    """The strict emulator, its console, a boto3 client on it and pools of each kind."""

    idp: Any
    console: Console
    pools: dict[str, Pool] = field(default_factory=dict)

    def pool(self, kind: str = "default") -> Pool:
        if kind not in self.pools:
            self.pools[kind] = _create_pool(self.idp, kind)
        return self.pools[kind]


POOL_KINDS: dict[str, dict[str, Any]] = {
    "default": {},
    "phone_recovery": {
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"},
            ]
        }
    },
    "case_insensitive": {"UsernameConfiguration": {"CaseSensitive": False}},
    "case_sensitive": {"UsernameConfiguration": {"CaseSensitive": True}},
    "email": {
        "UsernameAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": False},
    },
    "mfa_on": {},
    "secret": {},
    "hidden": {},
    "session15": {},
}
CLIENT_KINDS: dict[str, dict[str, Any]] = {
    "secret": {"GenerateSecret": True},
    "hidden": {"PreventUserExistenceErrors": "ENABLED"},
    "session15": {"AuthSessionValidity": 15},
}


def _create_pool(idp: Any, kind: str) -> Pool:
    settings: dict[str, Any] = {
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]
        },
        **POOL_KINDS[kind],
    }
    pool = idp.create_user_pool(
        PoolName=f"conformance-{kind}-{uuid.uuid4().hex[:6]}",
        Policies={"PasswordPolicy": TEST_POLICY},
        **settings,
    )["UserPool"]
    if kind == "mfa_on":
        idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON",
        )
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="conformance",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **CLIENT_KINDS.get(kind, {}),
    )["UserPoolClient"]
    return Pool(pool["Id"], client["ClientId"])


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    console = Console()
    server: RunningServer = serve(
        CodeBook(clock=lambda: console.now, announce=console.lines.append)
    )
    idp = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=server.endpoint_url,
        config=BotoConfig(retries={"max_attempts": 1, "mode": "standard"}),
    )
    yield Env(idp, console)
    server.stop()


# --- Accounts in each state ---------------------------------------------------------------


def _name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def account(
    env: Env,
    state: str,
    *,
    pool: Pool | None = None,
    verified: bool = True,
    username: str | None = None,
    **attributes: str,
) -> str:
    """A user in `state` whose password (temporary or not) is PASSWORD."""
    pool = pool or env.pool()
    username = username or _name()
    attrs = {"email": username if "@" in username else _name(), **attributes}
    if state == "UNCONFIRMED":
        env.idp.sign_up(
            ClientId=pool.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
        )
        return username
    attrs["email_verified"] = "true" if verified else "false"
    env.idp.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
    )
    if state == "FORCE_CHANGE_PASSWORD":
        return username
    env.idp.admin_set_user_password(
        UserPoolId=pool.id, Username=username, Password=PASSWORD, Permanent=True
    )
    if state == "RESET_REQUIRED":
        env.idp.admin_reset_user_password(UserPoolId=pool.id, Username=username)
    if state == "disabled":
        env.idp.admin_disable_user(UserPoolId=pool.id, Username=username)
    return username


def status(env: Env, username: str, pool: Pool | None = None) -> str:
    pool = pool or env.pool()
    return str(env.idp.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"])


def sign_in(env: Env, username: str, password: str = PASSWORD, pool: Pool | None = None) -> Any:
    pool = pool or env.pool()
    return env.idp.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def reset_code(env: Env, username: str) -> str:
    env.idp.forgot_password(ClientId=env.pool().client_id, Username=username)
    return env.console.last(username, "password reset code")


def confirm_reset(env: Env, username: str, code: str, password: str = NEW_PASSWORD) -> Any:
    return env.idp.confirm_forgot_password(
        ClientId=env.pool().client_id, Username=username, ConfirmationCode=code, Password=password
    )


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def with_authenticator(env: Env, pool: Pool | None = None) -> tuple[str, str]:
    """A confirmed user whose preferred MFA is an authenticator; (username, secret)."""
    pool = pool or env.pool()
    username = account(env, "CONFIRMED", pool=pool)
    access = sign_in(env, username, pool=pool)["AuthenticationResult"]["AccessToken"]
    secret = env.idp.associate_software_token(AccessToken=access)["SecretCode"]
    env.idp.verify_software_token(AccessToken=access, UserCode=fresh_code(secret))
    env.idp.admin_set_user_mfa_preference(
        UserPoolId=pool.id,
        Username=username,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return username, secret


def answer_totp(env: Env, username: str, session: str, code: str, pool: Pool) -> Any:
    return env.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


# --- Scenarios: one per `act` in the table ------------------------------------------------

Scenario = Callable[[Env, Row], Any]
SCENARIOS: dict[str, Scenario] = {}


def scenario(act: Scenario) -> Scenario:
    SCENARIOS[act.__name__] = act
    return act


@scenario
def sign_in_scenario(env: Env, row: Row) -> Any:
    answer = sign_in(env, account(env, row.state))
    if row.then == "tokens":
        assert answer["AuthenticationResult"]["AccessToken"]
    else:
        assert answer["ChallengeName"] == row.then.split()[-1]


SCENARIOS["sign_in"] = SCENARIOS.pop("sign_in_scenario")


@scenario
def sign_in_wrong_password(env: Env, row: Row) -> Any:
    sign_in(env, account(env, row.state), "Wr0ng-password")


@scenario
def sign_in_unknown_user_hidden(env: Env, row: Row) -> Any:
    sign_in(env, _name("nobody"), pool=env.pool("hidden"))


@scenario
def forgot_password(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    answer = env.idp.forgot_password(ClientId=env.pool().client_id, Username=username)
    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert re.fullmatch(r"\d{6}", env.console.last(username, "password reset code"))


@scenario
def forgot_password_unverified(env: Env, row: Row) -> Any:
    username = account(env, row.state, verified=False)
    env.idp.forgot_password(ClientId=env.pool().client_id, Username=username)


@scenario
def forgot_password_by_phone(env: Env, row: Row) -> Any:
    pool = env.pool("phone_recovery")
    username = account(
        env,
        row.state,
        pool=pool,
        verified=False,
        phone_number="+15550104477",
        phone_number_verified="true",
    )
    answer = env.idp.forgot_password(ClientId=pool.client_id, Username=username)
    delivery = answer["CodeDeliveryDetails"]
    assert (delivery["DeliveryMedium"], delivery["Destination"][-4:]) == ("SMS", "4477")


@scenario
def confirm_forgot_password(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    confirm_reset(env, username, reset_code(env, username))
    assert status(env, username) == "CONFIRMED"
    assert sign_in(env, username, NEW_PASSWORD)["AuthenticationResult"]


@scenario
def confirm_forgot_password_weak(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    confirm_reset(env, username, reset_code(env, username), WEAK_PASSWORD)


@scenario
def confirm_forgot_password_wrong_code(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    confirm_reset(env, username, other_code(reset_code(env, username)))


@scenario
def confirm_forgot_password_after_wrong_codes(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    code = reset_code(env, username)
    for _ in range(5):
        with pytest.raises(ClientError, match="CodeMismatch"):
            confirm_reset(env, username, other_code(code))
    confirm_reset(env, username, code)


@scenario
def resend_confirmation_code(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    first = env.console.last(username, "confirmation code") if row.state == "UNCONFIRMED" else ""
    answer = env.idp.resend_confirmation_code(ClientId=env.pool().client_id, Username=username)
    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert env.console.last(username, "confirmation code") != first or first == ""


def _confirm_sign_up(env: Env, username: str, code: str) -> Any:
    return env.idp.confirm_sign_up(
        ClientId=env.pool().client_id, Username=username, ConfirmationCode=code
    )


@scenario
def confirm_sign_up(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    code = env.console.last(username, "confirmation code") if row.state == "UNCONFIRMED" else "1"
    _confirm_sign_up(env, username, code)
    assert status(env, username) == "CONFIRMED"


@scenario
def confirm_sign_up_verifies_email(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    _confirm_sign_up(env, username, env.console.last(username, "confirmation code"))
    user = env.idp.admin_get_user(UserPoolId=env.pool().id, Username=username)
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    sent = env.idp.forgot_password(ClientId=env.pool().client_id, Username=username)
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"


@scenario
def confirm_sign_up_wrong_code(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    _confirm_sign_up(env, username, other_code(env.console.last(username, "confirmation code")))


@scenario
def confirm_sign_up_after_wrong_codes(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    code = env.console.last(username, "confirmation code")
    for _ in range(5):
        with pytest.raises(ClientError, match="CodeMismatch"):
            _confirm_sign_up(env, username, other_code(code))
    _confirm_sign_up(env, username, code)


@scenario
def admin_reset(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    env.idp.admin_reset_user_password(UserPoolId=env.pool().id, Username=username)
    assert status(env, username) == "RESET_REQUIRED"
    confirm_reset(env, username, env.console.last(username, "password reset code"))
    assert status(env, username) == "CONFIRMED"
    assert sign_in(env, username, NEW_PASSWORD)["AuthenticationResult"]


@scenario
def admin_reset_unverified(env: Env, row: Row) -> Any:
    username = account(env, row.state, verified=False)
    env.idp.admin_reset_user_password(UserPoolId=env.pool().id, Username=username)


def _admin_set(env: Env, username: str, password: str, permanent: bool) -> Any:
    return env.idp.admin_set_user_password(
        UserPoolId=env.pool().id, Username=username, Password=password, Permanent=permanent
    )


@scenario
def admin_set_permanent(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    _admin_set(env, username, NEW_PASSWORD, True)
    assert status(env, username) == "CONFIRMED"
    assert sign_in(env, username, NEW_PASSWORD)["AuthenticationResult"]


@scenario
def admin_set_temporary(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    _admin_set(env, username, NEW_PASSWORD, False)
    assert status(env, username) == "FORCE_CHANGE_PASSWORD"


@scenario
def admin_set_weak(env: Env, row: Row) -> Any:
    _admin_set(env, account(env, row.state), WEAK_PASSWORD, True)


@scenario
def invite(env: Env, row: Row) -> Any:
    username = _name("invited")
    env.idp.admin_create_user(
        UserPoolId=env.pool().id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": username}],
    )
    assert status(env, username) == "FORCE_CHANGE_PASSWORD"
    password = env.console.last(username, "temporary password")
    assert sign_in(env, username, password)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def _sms_challenge(env: Env) -> tuple[str, str]:
    pool = env.pool()
    username = account(env, "CONFIRMED", phone_number="+15550109934", phone_number_verified="true")
    env.idp.admin_set_user_mfa_preference(
        UserPoolId=pool.id,
        Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    challenge = sign_in(env, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("9934")
    return username, challenge["Session"]


def _answer_sms(env: Env, username: str, session: str, code: str) -> Any:
    pool = env.pool()
    return env.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="SMS_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SMS_MFA_CODE": code},
    )


@scenario
def sms_mfa_sign_in(env: Env, row: Row) -> Any:
    username, session = _sms_challenge(env)
    code = env.console.last(username, "SMS sign-in code")
    assert _answer_sms(env, username, session, code)["AuthenticationResult"]["AccessToken"]


@scenario
def sms_mfa_wrong_code(env: Env, row: Row) -> Any:
    username, session = _sms_challenge(env)
    _answer_sms(env, username, session, other_code(env.console.last(username, "SMS sign-in code")))


@scenario
def associate_software_token(env: Env, row: Row) -> Any:
    secrets = []
    for _ in range(2):
        access = sign_in(env, account(env, row.state))["AuthenticationResult"]["AccessToken"]
        secrets.append(env.idp.associate_software_token(AccessToken=access)["SecretCode"])
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
        assert len(base64.b32decode(secret)) == 20
        assert pyotp.TOTP(secret).now()  # pyotp refuses secrets under 112 bits
    assert secrets[0] != secrets[1]


@scenario
def verify_software_token_wrong_code(env: Env, row: Row) -> Any:
    access = sign_in(env, account(env, row.state))["AuthenticationResult"]["AccessToken"]
    env.idp.associate_software_token(AccessToken=access)
    other = base64.b32encode(b"another secret, 20 b").decode()
    env.idp.verify_software_token(AccessToken=access, UserCode=fresh_code(other))


@scenario
def totp_sign_in(env: Env, row: Row) -> Any:
    username, secret = with_authenticator(env)
    challenge = sign_in(env, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer = answer_totp(env, username, challenge["Session"], fresh_code(secret), env.pool())
    assert answer["AuthenticationResult"]["AccessToken"]


@scenario
def totp_wrong_code(env: Env, row: Row) -> Any:
    username, secret = with_authenticator(env)
    session = sign_in(env, username)["Session"]
    answer_totp(env, username, session, other_code(fresh_code(secret)), env.pool())


@scenario
def totp_after_wrong_codes(env: Env, row: Row) -> Any:
    username, secret = with_authenticator(env)
    for _ in range(5):
        session = sign_in(env, username)["Session"]
        with pytest.raises(ClientError, match="CodeMismatch"):
            answer_totp(env, username, session, other_code(fresh_code(secret)), env.pool())
    session = sign_in(env, username)["Session"]
    answer_totp(env, username, session, fresh_code(secret), env.pool())


def _mfa_setup(env: Env) -> tuple[str, str, str]:
    """A user of an MFA-required pool through MFA_SETUP: (username, old and new session)."""
    pool = env.pool("mfa_on")
    username = account(env, "CONFIRMED", pool=pool)
    challenge = sign_in(env, username, pool=pool)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert json.loads(challenge["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    old = challenge["Session"]
    associated = env.idp.associate_software_token(Session=old)
    verified = env.idp.verify_software_token(
        Session=associated.get("Session", old),
        UserCode=fresh_code(associated["SecretCode"]),
    )
    assert verified["Status"] == "SUCCESS"
    return username, old, verified["Session"]


def _answer_setup(env: Env, username: str, session: str) -> Any:
    pool = env.pool("mfa_on")
    return env.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=session,
        ChallengeResponses={"USERNAME": username},
    )


@scenario
def mfa_setup_required(env: Env, row: Row) -> Any:
    username, _, new = _mfa_setup(env)
    assert _answer_setup(env, username, new)["AuthenticationResult"]["AccessToken"]


@scenario
def mfa_setup_old_session(env: Env, row: Row) -> Any:
    username, old, _ = _mfa_setup(env)
    _answer_setup(env, username, old)


def _late_totp(env: Env, kind: str, minutes: int) -> Any:
    pool = env.pool(kind)
    username, secret = with_authenticator(env, pool)
    session = sign_in(env, username, pool=pool)["Session"]
    env.console.now += 60 * minutes
    try:
        return answer_totp(env, username, session, fresh_code(secret), pool)
    finally:
        env.console.now -= 60 * minutes


@scenario
def session_expired(env: Env, row: Row) -> Any:
    _late_totp(env, "default", 3)


@scenario
def session_within_validity(env: Env, row: Row) -> Any:
    assert _late_totp(env, "session15", 10)["AuthenticationResult"]["AccessToken"]


@scenario
def session_unknown(env: Env, row: Row) -> Any:
    answer_totp(env, "nobody", str(uuid.uuid4()), "123456", env.pool())


@scenario
def id_token_claims(env: Env, row: Row) -> Any:
    username = account(env, row.state, name="Ada Lovelace")
    result = sign_in(env, username)["AuthenticationResult"]
    token = claims(result["IdToken"])
    assert token["email"] == username
    assert token["name"] == "Ada Lovelace"
    assert token["email_verified"] is True
    assert token["cognito:username"] == username
    assert {"auth_time", "origin_jti", "event_id", "sub"} <= set(token)
    assert claims(result["AccessToken"])["origin_jti"] == token["origin_jti"]


@scenario
def access_token_after_sign_out(env: Env, row: Row) -> Any:
    username = account(env, row.state)
    token = sign_in(env, username)["AuthenticationResult"]["AccessToken"]
    env.idp.admin_user_global_sign_out(UserPoolId=env.pool().id, Username=username)
    calls = {
        "GetUser": lambda: env.idp.get_user(AccessToken=token),
        "UpdateUserAttributes": lambda: env.idp.update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Eve"}]
        ),
        "DeleteUser": lambda: env.idp.delete_user(AccessToken=token),
    }
    try:
        calls[row.operation]()
    finally:
        assert status(env, username) == row.state  # nothing was done


def _hash(idp: Any, pool: Pool, username: str) -> str:
    secret = idp.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    digest = hmac.new(secret.encode(), (username + pool.client_id).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


@scenario
def secret_hash(env: Env, row: Row) -> Any:
    pool = env.pool("secret")
    username = _name()
    given = {
        "no SECRET_HASH": {},
        "another user's SECRET_HASH": {"SecretHash": _hash(env.idp, pool, "someone-else")},
        "its SECRET_HASH": {"SecretHash": _hash(env.idp, pool, username)},
    }[row.given]
    expected = {
        "no SECRET_HASH": f"Client {pool.client_id} is configured for secret but secret was "
        "not received",
        "another user's SECRET_HASH": f"Unable to verify secret hash for client {pool.client_id}",
    }
    try:
        env.idp.sign_up(ClientId=pool.client_id, Username=username, Password=PASSWORD, **given)
    except ClientError as refused:
        assert refused.response["Error"]["Message"] == expected[row.given]
        raise
    assert status(env, username, pool) == row.then


@scenario
def refresh_keeps_auth_time(env: Env, row: Row) -> Any:
    pool = env.pool()
    result = sign_in(env, account(env, row.state))["AuthenticationResult"]
    time.sleep(1.1)
    refreshed = env.idp.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    for name in ("AccessToken", "IdToken"):
        before, after = claims(result[name]), claims(refreshed[name])
        assert after["iat"] > before["iat"]
        assert (after["auth_time"], after["origin_jti"]) == (
            before["auth_time"],
            before["origin_jti"],
        )
    assert env.idp.get_user(AccessToken=refreshed["AccessToken"])["Username"]


@scenario
def case_insensitive_sign_in(env: Env, row: Row) -> Any:
    pool = env.pool("case_insensitive")
    username = account(env, row.state, pool=pool, username=f"Dave-{uuid.uuid4().hex[:6]}")
    result = sign_in(env, username.upper(), pool=pool)["AuthenticationResult"]
    assert claims(result["IdToken"])["cognito:username"] == username.lower()
    got = env.idp.admin_get_user(UserPoolId=pool.id, Username=username.swapcase())
    assert got["Username"] == username.lower()


@scenario
def case_insensitive_sign_up(env: Env, row: Row) -> Any:
    pool = env.pool("case_insensitive")
    username = account(env, row.state, pool=pool, username=f"carol-{uuid.uuid4().hex[:6]}")
    account(env, row.state, pool=pool, username=username.upper())


@scenario
def case_sensitive_sign_in(env: Env, row: Row) -> Any:
    pool = env.pool("case_sensitive")
    username = account(env, row.state, pool=pool, username=f"erin-{uuid.uuid4().hex[:6]}")
    assert sign_in(env, username, pool=pool)["AuthenticationResult"]
    sign_in(env, username.upper(), pool=pool)


@scenario
def email_username_sign_up(env: Env, row: Row) -> Any:
    pool = env.pool("email")
    email = _name("frank")
    answer = env.idp.sign_up(ClientId=pool.client_id, Username=email, Password=PASSWORD)
    user = env.idp.admin_get_user(UserPoolId=pool.id, Username=email)
    assert user["Username"] == answer["UserSub"] != email
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email


@scenario
def email_username_sign_in(env: Env, row: Row) -> Any:
    pool = env.pool("email")
    email = _name("grace")
    env.idp.admin_create_user(
        UserPoolId=pool.id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    env.idp.admin_set_user_password(
        UserPoolId=pool.id, Username=email, Password=PASSWORD, Permanent=True
    )
    result = sign_in(env, email.upper(), pool=pool)["AuthenticationResult"]
    token = claims(result["IdToken"])
    assert token["cognito:username"] == token["sub"] != email
    assert token["email"] == email


# --- The table's own tests ----------------------------------------------------------------


def _row_id(row: Row) -> str:
    return f"{row.operation}-{row.state}-{row.act}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_the_emulator_answers_as_cognito(env: Env, row: Row) -> None:
    act = SCENARIOS[row.act]
    if row.answer == "ok":
        act(env, row)
        return
    with pytest.raises(ClientError) as raised:
        act(env, row)
    error = raised.value.response["Error"]
    assert error["Code"] == row.answer, error
    if row.then:
        assert error["Message"] == row.then


def test_every_row_names_a_real_difference_and_a_page() -> None:
    names = {difference.name for difference in DIFFERENCES}
    for row in ROWS:
        assert row.difference is None or row.difference in names, row
        assert row.reference.startswith("https://"), row
        assert row.act in SCENARIOS, row


def test_every_status_meets_every_password_operation() -> None:
    covered = {(row.operation, row.state) for row in ROWS}
    for operation, states in {
        "AdminInitiateAuth": (
            "UNCONFIRMED",
            "CONFIRMED",
            "FORCE_CHANGE_PASSWORD",
            "RESET_REQUIRED",
            "disabled",
        ),
        "ForgotPassword": ("UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"),
        "ConfirmForgotPassword": ("CONFIRMED", "RESET_REQUIRED"),
        "ResendConfirmationCode": ("UNCONFIRMED", "CONFIRMED"),
        "ConfirmSignUp": ("UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"),
        "AdminResetUserPassword": ("CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"),
        "AdminSetUserPassword": (
            "UNCONFIRMED",
            "CONFIRMED",
            "FORCE_CHANGE_PASSWORD",
            "RESET_REQUIRED",
        ),
    }.items():
        for state in states:
            assert (operation, state) in covered, (operation, state)


def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"### {title}\n")
    end = readme.index("\n#", start + 1)
    return readme[start:end]


def test_the_readme_names_every_difference_in_order() -> None:
    section = _readme_section("How local mode matches Cognito")
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    units = [name for line in rows for name in re.findall(r"`(\w+)`", line.split("|")[-2])]
    assert units == [difference.name for difference in DIFFERENCES]
    assert {row.difference for row in ROWS if row.difference} <= set(units)

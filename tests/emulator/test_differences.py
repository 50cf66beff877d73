"""The local emulator (local_cognito): each way it differs from moto, on its own, over HTTP
with boto3 as the proxy calls it. Each `test_moto_still_...` test calls bare moto (the
session's ThreadedMotoServer) and fails once moto behaves like Cognito there, so that the
difference can be dropped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local_cognito import CodeBook, Purpose, RunningServer, serve
from local_cognito.codes import CodeRefused
from local_cognito.differences import DIFFERENCES
from tests.support.cognito import (
    REGION,
    Pool,
    admin_sign_in,
    confirmed_user,
    create_pool,
    error_code,
    one_attempt_client,
    signed_up_user,
    unique_username,
    user_status,
)
from tests.support.totp import fresh_code, wrong_code

DAY = 24 * 3600
CONSOLE_LINE = re.compile(r"(?P<label>.+) for (?P<username>\S+): (?P<code>\d{6})")


@dataclass
class Console:
    """What the emulator printed, and a clock the test moves."""

    lines: list[str] = field(default_factory=list)
    now: float = 1_800_000_000.0

    def last_code(self, username: str, label: str = "confirmation code") -> str:
        for line in reversed(self.lines):
            match = CONSOLE_LINE.fullmatch(line)
            if match and match["username"] == username and match["label"] == label:
                return match["code"]
        raise AssertionError(f"no {label} printed for {username}: {self.lines}")


@pytest.fixture(scope="module")
def console() -> Console:
    return Console()


@pytest.fixture(scope="module")
def strict(console: Console) -> Iterator[RunningServer]:
    """The emulator with strict codes, its console and clock in the test's hands."""
    server = serve(CodeBook(clock=lambda: console.now, announce=console.lines.append))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def idp(strict: RunningServer) -> Any:
    return one_attempt_client(strict.endpoint_url)


@pytest.fixture(scope="module")
def local_pool(idp: Any, strict: RunningServer) -> Pool:
    return create_pool(idp, strict.endpoint_url, secret=False)


def test_every_difference_says_what_cognito_and_moto_do() -> None:
    assert len(DIFFERENCES) >= 10
    for difference in DIFFERENCES:
        assert "Cognito" in difference.description, difference.name
        assert "moto" in difference.description, difference.name


def test_calls_no_difference_concerns_reach_moto_unchanged(
    idp: Any, local_pool: Pool, strict: RunningServer
) -> None:
    described = idp.describe_user_pool(UserPoolId=local_pool.id)["UserPool"]
    assert described["Id"] == local_pool.id
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=strict.endpoint_url)
    assert "TableNames" in dynamodb.list_tables()


class TestSignUpCodes:
    def test_sign_up_prints_a_six_digit_code_and_only_that_code_confirms(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username = signed_up_user(idp, local_pool)
        code = console.last_code(username)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        with pytest.raises(ClientError) as raised:
            idp.confirm_sign_up(
                ClientId=local_pool.client_id, Username=username, ConfirmationCode=wrong
            )
        assert error_code(raised) == "CodeMismatchException"
        assert user_status(idp, local_pool, username) == "UNCONFIRMED"
        idp.confirm_sign_up(ClientId=local_pool.client_id, Username=username, ConfirmationCode=code)
        assert user_status(idp, local_pool, username) == "CONFIRMED"

    def test_a_sign_up_code_expires_after_24_hours(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username = signed_up_user(idp, local_pool)
        code = console.last_code(username)
        console.now += DAY
        try:
            with pytest.raises(ClientError) as raised:
                idp.confirm_sign_up(
                    ClientId=local_pool.client_id, Username=username, ConfirmationCode=code
                )
        finally:
            console.now -= DAY
        assert error_code(raised) == "ExpiredCodeException"

    def test_confirming_an_unknown_user_is_user_not_found(self, idp: Any, local_pool: Pool) -> None:
        with pytest.raises(ClientError) as raised:
            idp.confirm_sign_up(
                ClientId=local_pool.client_id, Username="nobody", ConfirmationCode="123456"
            )
        assert error_code(raised) == "UserNotFoundException"

    def test_confirming_a_confirmed_user_is_not_authorized(
        self, idp: Any, local_pool: Pool
    ) -> None:
        username = confirmed_user(idp, local_pool)
        with pytest.raises(ClientError) as raised:
            idp.confirm_sign_up(
                ClientId=local_pool.client_id, Username=username, ConfirmationCode="123456"
            )
        assert error_code(raised) == "NotAuthorizedException"

    def test_moto_still_accepts_any_sign_up_code(self, bare: Any, bare_pool: Pool) -> None:
        username = signed_up_user(bare, bare_pool)
        bare.confirm_sign_up(
            ClientId=bare_pool.client_id, Username=username, ConfirmationCode="not-a-code"
        )
        assert user_status(bare, bare_pool, username) == "CONFIRMED"


class TestResendConfirmationCode:
    def test_a_new_code_replaces_the_old_one(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username = signed_up_user(idp, local_pool)
        first = console.last_code(username)
        answer = idp.resend_confirmation_code(ClientId=local_pool.client_id, Username=username)
        assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
        assert answer["CodeDeliveryDetails"]["Destination"] == "a***@e***"
        second = console.last_code(username)
        if first != second:
            with pytest.raises(ClientError) as raised:
                idp.confirm_sign_up(
                    ClientId=local_pool.client_id, Username=username, ConfirmationCode=first
                )
            assert error_code(raised) == "CodeMismatchException"
        idp.confirm_sign_up(
            ClientId=local_pool.client_id, Username=username, ConfirmationCode=second
        )

    def test_an_unknown_user_is_user_not_found(self, idp: Any, local_pool: Pool) -> None:
        with pytest.raises(ClientError) as raised:
            idp.resend_confirmation_code(ClientId=local_pool.client_id, Username="nobody")
        assert error_code(raised) == "UserNotFoundException"

    def test_a_confirmed_user_is_an_invalid_parameter(self, idp: Any, local_pool: Pool) -> None:
        username = confirmed_user(idp, local_pool)
        with pytest.raises(ClientError) as raised:
            idp.resend_confirmation_code(ClientId=local_pool.client_id, Username=username)
        assert error_code(raised) == "InvalidParameterException"

    def test_moto_still_lacks_resend_confirmation_code(self, bare: Any, bare_pool: Pool) -> None:
        username = signed_up_user(bare, bare_pool)
        with pytest.raises(ClientError):
            bare.resend_confirmation_code(ClientId=bare_pool.client_id, Username=username)


def _refused_reset(idp: Any, pool: Pool, username: str, code: str) -> str:
    """Try to set a new password with this code; return the refusal's error code."""
    with pytest.raises(ClientError) as raised:
        idp.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=username,
            Password="An0ther-Passw0rd",
            ConfirmationCode=code,
        )
    return error_code(raised)


class TestPasswordResetCodes:
    def _reset(self, idp: Any, pool: Pool, console: Console) -> tuple[str, str]:
        username = confirmed_user(idp, pool)
        idp.forgot_password(ClientId=pool.client_id, Username=username)
        return username, console.last_code(username, "password reset code")

    def test_only_the_printed_code_sets_the_new_password(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username, code = self._reset(idp, local_pool, console)
        new_password = "An0ther-Passw0rd"
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        assert _refused_reset(idp, local_pool, username, wrong) == "CodeMismatchException"
        idp.confirm_forgot_password(
            ClientId=local_pool.client_id,
            Username=username,
            Password=new_password,
            ConfirmationCode=code,
        )
        assert admin_sign_in(idp, local_pool, username, new_password)["AuthenticationResult"]

    def test_a_reset_code_expires_after_an_hour(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username, code = self._reset(idp, local_pool, console)
        console.now += 3600
        try:
            assert _refused_reset(idp, local_pool, username, code) == "ExpiredCodeException"
        finally:
            console.now -= 3600

    def test_an_unknown_user_is_user_not_found(self, idp: Any, local_pool: Pool) -> None:
        assert _refused_reset(idp, local_pool, "nobody", "123456") == "UserNotFoundException"

    def test_moto_still_accepts_any_reset_code_without_its_prefix(
        self, bare: Any, bare_pool: Pool
    ) -> None:
        username = confirmed_user(bare, bare_pool)
        bare.forgot_password(ClientId=bare_pool.client_id, Username=username)
        bare.confirm_forgot_password(
            ClientId=bare_pool.client_id,
            Username=username,
            Password="An0ther-Passw0rd",
            ConfirmationCode="000000",
        )

    def test_moto_still_answers_resource_not_found_for_an_unknown_user(
        self, bare: Any, bare_pool: Pool
    ) -> None:
        assert _refused_reset(bare, bare_pool, "nobody", "123456") == "ResourceNotFoundException"


class TestUnconfirmedSignIn:
    def test_the_right_password_is_user_not_confirmed(self, idp: Any, local_pool: Pool) -> None:
        username = signed_up_user(idp, local_pool)
        with pytest.raises(ClientError) as raised:
            admin_sign_in(idp, local_pool, username)
        assert error_code(raised) == "UserNotConfirmedException"

    def test_a_wrong_password_is_still_not_authorized(self, idp: Any, local_pool: Pool) -> None:
        username = signed_up_user(idp, local_pool)
        with pytest.raises(ClientError) as raised:
            admin_sign_in(idp, local_pool, username, "Wr0ng-Passw0rd")
        assert error_code(raised) == "NotAuthorizedException"

    def test_moto_still_signs_unconfirmed_users_in(self, bare: Any, bare_pool: Pool) -> None:
        username = signed_up_user(bare, bare_pool)
        assert admin_sign_in(bare, bare_pool, username)["AuthenticationResult"]["AccessToken"]


def _answer_with_unknown_session(idp: Any, pool: Pool) -> str:
    with pytest.raises(ClientError) as raised:
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool.id,
            ClientId=pool.client_id,
            ChallengeName="SMS_MFA",
            Session="x" * 40,
            ChallengeResponses={"USERNAME": "nobody", "SMS_MFA_CODE": "123456"},
        )
    return error_code(raised)


class TestUnknownSession:
    def test_a_challenge_answer_with_an_unknown_session_is_not_authorized(
        self, idp: Any, local_pool: Pool
    ) -> None:
        assert _answer_with_unknown_session(idp, local_pool) == "NotAuthorizedException"

    def test_verifying_totp_with_an_unknown_session_is_not_authorized(self, idp: Any) -> None:
        with pytest.raises(ClientError) as raised:
            idp.verify_software_token(Session="x" * 40, UserCode="123456")
        assert error_code(raised) == "NotAuthorizedException"

    def test_moto_still_answers_resource_not_found_for_an_unknown_session(
        self, bare: Any, bare_pool: Pool
    ) -> None:
        assert _answer_with_unknown_session(bare, bare_pool) == "ResourceNotFoundException"


class TestPasswordRefusals:
    """TEST_POLICY: 8 characters or more, upper and lower case, a number."""

    def _refusal(self, act: Any) -> str:
        with pytest.raises(ClientError) as raised:
            act()
        assert error_code(raised) == "InvalidPasswordException"
        return str(raised.value.response["Error"]["Message"])

    @pytest.mark.parametrize(
        ("password", "rule"),
        [
            ("Sh0rt", "Password not long enough"),
            ("NO-LOWER-CASE-1", "Password must have lowercase characters"),
            ("no-upper-case-1", "Password must have uppercase characters"),
            ("No-Numbers-At-All", "Password must have numeric characters"),
        ],
    )
    def test_a_sign_up_names_the_rule_broken(
        self, idp: Any, local_pool: Pool, password: str, rule: str
    ) -> None:
        message = self._refusal(
            lambda: idp.sign_up(
                ClientId=local_pool.client_id, Username=unique_username(), Password=password
            )
        )
        assert message == f"Password did not conform with policy: {rule}"

    def test_setting_a_password_says_does_not_conform_to(self, idp: Any, local_pool: Pool) -> None:
        username = confirmed_user(idp, local_pool)
        message = self._refusal(
            lambda: idp.admin_set_user_password(
                UserPoolId=local_pool.id, Username=username, Password="weak", Permanent=True
            )
        )
        assert message == "Password does not conform to policy: Password not long enough"

    def test_moto_still_misspells_its_password_refusal(self, bare: Any, bare_pool: Pool) -> None:
        message = self._refusal(
            lambda: bare.sign_up(
                ClientId=bare_pool.client_id, Username=unique_username(), Password="weak"
            )
        )
        assert "does not confirm to the configured password policy" in message


class TestTotpCodes:
    def _associate(self, idp: Any, pool: Pool) -> tuple[str, str]:
        username = confirmed_user(idp, pool)
        tokens = admin_sign_in(idp, pool, username)["AuthenticationResult"]
        access_token = tokens["AccessToken"]
        secret = idp.associate_software_token(AccessToken=access_token)["SecretCode"]
        return access_token, secret

    def test_a_wrong_code_is_refused_and_the_right_one_verifies(
        self, idp: Any, local_pool: Pool
    ) -> None:
        access_token, secret = self._associate(idp, local_pool)
        with pytest.raises(ClientError) as raised:
            idp.verify_software_token(AccessToken=access_token, UserCode=wrong_code(secret))
        assert error_code(raised) == "EnableSoftwareTokenMFAException"
        answer = idp.verify_software_token(AccessToken=access_token, UserCode=fresh_code(secret))
        assert answer["Status"] == "SUCCESS"

    def test_moto_still_accepts_any_totp_code_by_default(
        self, bare: Any, bare_pool: Pool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", raising=False)
        access_token, secret = self._associate(bare, bare_pool)
        answer = bare.verify_software_token(AccessToken=access_token, UserCode=wrong_code(secret))
        assert answer["Status"] == "SUCCESS"


class TestAttributeVerification:
    def test_only_the_printed_code_verifies_the_email(
        self, idp: Any, local_pool: Pool, console: Console
    ) -> None:
        username = confirmed_user(idp, local_pool)
        tokens = admin_sign_in(idp, local_pool, username)["AuthenticationResult"]
        access_token = tokens["AccessToken"]
        answer = idp.get_user_attribute_verification_code(
            AccessToken=access_token, AttributeName="email"
        )
        assert answer["CodeDeliveryDetails"]["AttributeName"] == "email"
        code = console.last_code(username, "email verification code")
        with pytest.raises(ClientError) as raised:
            idp.verify_user_attribute(
                AccessToken=access_token,
                AttributeName="email",
                Code=f"{(int(code) + 1) % 1_000_000:06d}",
            )
        assert error_code(raised) == "CodeMismatchException"
        idp.verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)
        user = idp.admin_get_user(UserPoolId=local_pool.id, Username=username)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        assert attributes["email_verified"] == "true"

    def test_an_attribute_the_user_lacks_is_an_invalid_parameter(
        self, idp: Any, local_pool: Pool
    ) -> None:
        username = confirmed_user(idp, local_pool)
        tokens = admin_sign_in(idp, local_pool, username)["AuthenticationResult"]
        access_token = tokens["AccessToken"]
        with pytest.raises(ClientError) as raised:
            idp.get_user_attribute_verification_code(
                AccessToken=access_token, AttributeName="phone_number"
            )
        assert error_code(raised) == "InvalidParameterException"

    def test_a_bad_access_token_is_not_authorized(self, idp: Any) -> None:
        with pytest.raises(ClientError) as raised:
            idp.get_user_attribute_verification_code(AccessToken="bogus", AttributeName="email")
        assert error_code(raised) == "NotAuthorizedException"

    def test_moto_still_lacks_attribute_verification(self, bare: Any, bare_pool: Pool) -> None:
        username = confirmed_user(bare, bare_pool)
        tokens = admin_sign_in(bare, bare_pool, username)["AuthenticationResult"]
        access_token = tokens["AccessToken"]
        with pytest.raises(ClientError):
            bare.get_user_attribute_verification_code(
                AccessToken=access_token, AttributeName="email"
            )
        with pytest.raises(ClientError):
            bare.verify_user_attribute(AccessToken=access_token, AttributeName="email", Code="1")


class TestRevokeToken:
    def test_a_revoked_refresh_token_refreshes_no_more(self, idp: Any, local_pool: Pool) -> None:
        username = confirmed_user(idp, local_pool)
        result = admin_sign_in(idp, local_pool, username)["AuthenticationResult"]
        idp.revoke_token(Token=result["RefreshToken"], ClientId=local_pool.client_id)
        with pytest.raises(ClientError) as raised:
            idp.initiate_auth(
                ClientId=local_pool.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
            )
        assert error_code(raised) == "NotAuthorizedException"
        with pytest.raises(ClientError) as raised:
            idp.get_user(AccessToken=result["AccessToken"])
        assert error_code(raised) == "NotAuthorizedException"
        # Cognito answers 200 for a token it no longer knows.
        idp.revoke_token(Token=result["RefreshToken"], ClientId=local_pool.client_id)

    def test_moto_still_lacks_revoke_token(self, bare: Any, bare_pool: Pool) -> None:
        username = confirmed_user(bare, bare_pool)
        result = admin_sign_in(bare, bare_pool, username)["AuthenticationResult"]
        with pytest.raises(ClientError):
            bare.revoke_token(Token=result["RefreshToken"], ClientId=bare_pool.client_id)


class TestCodeBook:
    def test_accept_any_takes_any_code_but_still_prints_one(self) -> None:
        lines: list[str] = []
        book = CodeBook(accept_any=True, announce=lines.append)
        book.send("ada", Purpose.SIGNUP, "a***@e***")
        book.check("ada", Purpose.SIGNUP, "not the code")
        assert CONSOLE_LINE.fullmatch(lines[0])

    def test_valid_codes_are_listed_newest_first_and_expired_ones_dropped(self) -> None:
        now = [1000.0]
        book = CodeBook(clock=lambda: now[0], announce=lambda line: None)
        book.send("ada", Purpose.PASSWORD_RESET, "a***@e***")
        book.send("bob", Purpose.SIGNUP, "b***@e***")
        book.send("ada", Purpose.ATTRIBUTE_VERIFICATION, "a***@e***", "email")
        listed = [(c.username, c.purpose) for c in book.valid()]
        assert listed == [
            ("ada", Purpose.ATTRIBUTE_VERIFICATION),
            ("bob", Purpose.SIGNUP),
            ("ada", Purpose.PASSWORD_RESET),
        ]
        assert [c.purpose for c in book.valid("bob")] == [Purpose.SIGNUP]
        now[0] += 3600
        assert Purpose.PASSWORD_RESET not in [c.purpose for c in book.valid()]
        assert len(book.valid()) == 2

    def test_a_code_of_other_characters_is_a_mismatch_not_a_crash(self) -> None:
        book = CodeBook(announce=lambda line: None)
        book.send("ada", Purpose.SIGNUP, "a***@e***")
        for code in ("", "é" * 6, "\ud800", "1" * 5000):
            with pytest.raises(CodeRefused, match="Invalid verification code"):
                book.check("ada", Purpose.SIGNUP, code)

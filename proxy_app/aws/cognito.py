"""The Cognito gateway: one method per Cognito operation the service calls, each
answering a model of `proxy_app.core.models`."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from botocore.config import Config as BotoConfig

from proxy_app.aws.admin import OperatorCalls
from proxy_app.aws.calls import (
    SecretHashError,
    aws_client,
    cognito_errors,
    secret_hash,
    token_bound_errors,
)
from proxy_app.aws.mfa import MfaCalls
from proxy_app.config import Config
from proxy_app.core.errors import CognitoInputRefused, CognitoRefused, unexpected_answer
from proxy_app.core.models import (
    CodeDelivery,
    SignInResult,
    SignUpResult,
    Tokens,
    User,
    UserPool,
    refreshed_tokens,
    sign_in_result,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["MAX_ATTEMPTS", "CognitoGateway", "SecretHashError", "aws_client", "secret_hash"]

MAX_ATTEMPTS = 3


class CognitoGateway(MfaCalls, OperatorCalls):
    """One method per Cognito operation the API uses, bound to one pool and app client."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._client: CognitoIdentityProviderClient | None = None
        self._lock = threading.Lock()
        self._pool_name: str | None = None

    @property
    def client(self) -> CognitoIdentityProviderClient:
        """The boto3 client, created on first use (never at import or app creation)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> CognitoIdentityProviderClient:
        config = self._config
        key_id, secret = config.static_credentials or (None, None)
        client: CognitoIdentityProviderClient = aws_client(
            "cognito-idp",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            region_name=config.region,
            endpoint_url=config.endpoint_url,
            config=BotoConfig(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                # total_max_attempts counts the first call; botocore's max_attempts would
                # mean 3 retries, so 4 calls.
                retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                user_agent_extra="cognito-proxy",
            ),
        )
        return client

    @property
    def pool_id(self) -> str:
        assert self._config.user_pool_id is not None
        return self._config.user_pool_id

    @property
    def client_id(self) -> str:
        assert self._config.app_client_id is not None
        return self._config.app_client_id

    @property
    def needs_secret_hash(self) -> bool:
        """True when the app client has a secret, so calls must carry SECRET_HASH."""
        return self._config.app_client_secret is not None

    def _secret(self, username: str) -> dict[str, str]:
        return self._hashed("SecretHash", username)

    def _auth_secret(self, username: str) -> dict[str, str]:
        return self._hashed("SECRET_HASH", username)

    def _hashed(self, parameter: str, username: str) -> dict[str, str]:
        """The SECRET_HASH parameter for this username, under Cognito's name for it."""
        secret = self._config.app_client_secret
        if secret is None:
            return {}
        try:
            return {parameter: secret_hash(username, self.client_id, secret)}
        except SecretHashError:
            # The schemas refuse such usernames first; this keeps any other caller safe.
            raise CognitoInputRefused({"username": ["Not valid Unicode."]}) from None

    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> SignUpResult:
        """Create a user with SignUp."""
        with cognito_errors():
            return SignUpResult.of(
                self.client.sign_up(
                    ClientId=self.client_id,
                    Username=username,
                    Password=password,
                    UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
                    **self._secret(username),  # type: ignore[arg-type]
                )
            )

    def admin_confirm_sign_up(self, username: str) -> None:
        """Confirm a user without a code (auto-confirm)."""
        with cognito_errors():
            self.client.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=username)

    def confirm_sign_up(self, username: str, code: str) -> None:
        """Confirm a user's sign-up with the code Cognito sent."""
        with cognito_errors():
            self.client.confirm_sign_up(
                ClientId=self.client_id,
                Username=username,
                ConfirmationCode=code,
                **self._secret(username),  # type: ignore[arg-type]
            )

    def resend_confirmation_code(self, username: str) -> CodeDelivery | None:
        """Send the sign-up confirmation code again."""
        with cognito_errors():
            answer = self.client.resend_confirmation_code(
                ClientId=self.client_id,
                Username=username,
                **self._secret(username),  # type: ignore[arg-type]
            )
        return CodeDelivery.of(answer.get("CodeDeliveryDetails"))

    def sign_in(self, username: str, password: str) -> SignInResult:
        """Authenticate with AdminInitiateAuth, flow ADMIN_USER_PASSWORD_AUTH."""
        with cognito_errors():
            answer = dict(
                self.client.admin_initiate_auth(
                    UserPoolId=self.pool_id,
                    ClientId=self.client_id,
                    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                    AuthParameters={
                        "USERNAME": username,
                        "PASSWORD": password,
                        **self._auth_secret(username),
                    },
                )
            )
        return sign_in_result(answer, "AdminInitiateAuth")

    def respond_to_challenge(
        self, username: str, challenge: str, session: str, responses: dict[str, str]
    ) -> SignInResult:
        """Answer a sign-in challenge with AdminRespondToAuthChallenge."""
        answers = {**responses, "USERNAME": username, **self._auth_secret(username)}
        try:
            with cognito_errors():
                answer = dict(
                    self.client.admin_respond_to_auth_challenge(
                        UserPoolId=self.pool_id,
                        ClientId=self.client_id,
                        ChallengeName=challenge,  # type: ignore[arg-type]
                        Session=session,
                        ChallengeResponses=answers,
                    )
                )
        except CognitoRefused as refused:
            refused.authenticator = challenge == "SOFTWARE_TOKEN_MFA"
            raise
        return sign_in_result(answer, "AdminRespondToAuthChallenge")

    def pool_name(self) -> str:
        """The user pool's name, read once with DescribeUserPool and kept."""
        if self._pool_name is None:
            name = self.describe_user_pool().name
            if not name:
                raise unexpected_answer("DescribeUserPool")
            self._pool_name = str(name)
        return self._pool_name

    def refresh(self, refresh_token: str, username: str | None) -> Tokens:
        """Get new tokens with InitiateAuth, flow REFRESH_TOKEN_AUTH."""
        parameters = {"REFRESH_TOKEN": refresh_token}
        if username is not None:
            parameters.update(self._auth_secret(username))
        # With a secret, SECRET_HASH is made from the username the caller gave.
        with cognito_errors(callers_secret_hash=self.needs_secret_hash and username is not None):
            answer = dict(
                self.client.initiate_auth(
                    ClientId=self.client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters=parameters,
                )
            )
        return refreshed_tokens(answer)

    def forgot_password(self, username: str) -> CodeDelivery | None:
        """Start a password reset: Cognito sends a code."""
        with cognito_errors():
            answer = self.client.forgot_password(
                ClientId=self.client_id,
                Username=username,
                **self._secret(username),  # type: ignore[arg-type]
            )
        return CodeDelivery.of(answer.get("CodeDeliveryDetails"))

    def confirm_forgot_password(self, username: str, password: str, code: str) -> None:
        """Set a new password with the reset code."""
        with cognito_errors():
            self.client.confirm_forgot_password(
                ClientId=self.client_id,
                Username=username,
                Password=password,
                ConfirmationCode=code,
                **self._secret(username),  # type: ignore[arg-type]
            )

    def update_attributes(self, username: str, attributes: dict[str, str]) -> None:
        """Set attributes of a user with AdminUpdateUserAttributes."""
        with cognito_errors():
            self.client.admin_update_user_attributes(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            )

    def update_own_attributes(self, access_token: str, attributes: dict[str, str]) -> None:
        """Set attributes of an access token's user with UpdateUserAttributes (Cognito
        refuses a signed-out or revoked token)."""
        with token_bound_errors():
            self.client.update_user_attributes(
                AccessToken=access_token,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            )

    def delete_own_account(self, access_token: str) -> None:
        """Delete an access token's user with DeleteUser (Cognito refuses a signed-out or
        revoked token)."""
        with token_bound_errors():
            self.client.delete_user(AccessToken=access_token)

    def delete_user(self, username: str) -> None:
        """Delete a user with AdminDeleteUser."""
        with cognito_errors():
            self.client.admin_delete_user(UserPoolId=self.pool_id, Username=username)

    def admin_get_user(self, username: str) -> User:
        """Read a user (attributes, status, enabled, MFA) with AdminGetUser."""
        with cognito_errors():
            return User.of(self.client.admin_get_user(UserPoolId=self.pool_id, Username=username))

    def admin_create_user(self, username: str, attributes: dict[str, str]) -> None:
        """Create a user with AdminCreateUser, sending no message (migration)."""
        with cognito_errors():
            self.client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
                MessageAction="SUPPRESS",
            )

    def admin_set_user_password(self, username: str, password: str, *, permanent: bool) -> None:
        """Set a user's password with AdminSetUserPassword (the pool's policy applies)."""
        with cognito_errors():
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=password, Permanent=permanent
            )

    def admin_reset_user_password(self, username: str) -> None:
        """Make a user RESET_REQUIRED with AdminResetUserPassword; Cognito sends a reset code
        to the user's verified email or phone (and refuses a user without one)."""
        with cognito_errors():
            self.client.admin_reset_user_password(UserPoolId=self.pool_id, Username=username)

    def get_user(self, access_token: str) -> User:
        """Ask Cognito about an access token's user (fails for revoked tokens)."""
        with token_bound_errors():
            return User.of(self.client.get_user(AccessToken=access_token))

    def change_password(self, access_token: str, previous: str, proposed: str) -> None:
        """Change the password of an access token's user with ChangePassword."""
        with token_bound_errors():
            self.client.change_password(
                AccessToken=access_token, PreviousPassword=previous, ProposedPassword=proposed
            )

    def global_sign_out(self, access_token: str) -> None:
        """End every session of an access token's user with GlobalSignOut."""
        with token_bound_errors():
            self.client.global_sign_out(AccessToken=access_token)

    def admin_user_global_sign_out(self, username: str) -> None:
        """End every session of a user with AdminUserGlobalSignOut."""
        with cognito_errors():
            self.client.admin_user_global_sign_out(UserPoolId=self.pool_id, Username=username)

    def revoke_token(self, refresh_token: str) -> None:
        """End one session with RevokeToken (with the client secret when there is one)."""
        secret = self._config.app_client_secret
        client_secret = {} if secret is None else {"ClientSecret": secret}
        with cognito_errors():
            self.client.revoke_token(
                Token=refresh_token,
                ClientId=self.client_id,
                **client_secret,
            )

    def get_user_attribute_verification_code(
        self, access_token: str, attribute_name: str
    ) -> CodeDelivery | None:
        """Send a code to verify an attribute with GetUserAttributeVerificationCode."""
        with token_bound_errors():
            answer = self.client.get_user_attribute_verification_code(
                AccessToken=access_token, AttributeName=attribute_name
            )
        return CodeDelivery.of(answer.get("CodeDeliveryDetails"))

    def verify_user_attribute(self, access_token: str, attribute_name: str, code: str) -> None:
        """Mark an attribute verified with the code sent for it (VerifyUserAttribute)."""
        with token_bound_errors():
            self.client.verify_user_attribute(
                AccessToken=access_token, AttributeName=attribute_name, Code=code
            )

    def ping(self) -> None:
        """Check that Cognito answers for the pool (used by the deep health check)."""
        with cognito_errors():
            self.client.describe_user_pool_client(UserPoolId=self.pool_id, ClientId=self.client_id)

    def describe_user_pool(self) -> UserPool:
        """Read the pool's settings and attribute schema with DescribeUserPool."""
        with cognito_errors():
            answer = self.client.describe_user_pool(UserPoolId=self.pool_id)
        return UserPool.of(answer.get("UserPool") or {})

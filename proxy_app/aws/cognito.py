"""The Cognito gateway: the only module that talks to boto3; SECRET_HASH lives here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config as BotoConfig
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

from proxy_app.config import Config
from proxy_app.core.errors import (
    MISCONFIGURED,
    CognitoInputRefused,
    CognitoRefused,
    CognitoUnavailable,
    NoCredentials,
    TokenRejected,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

log = logging.getLogger("proxy_app.cognito")

MAX_ATTEMPTS = 3
# NotAuthorizedException also says that this service's app client settings are wrong
# (a bad or missing secret, an unknown client, a flow not enabled). Answered as a wrong
# password or hidden as an unknown user, it would make every sign-in fail quietly and
# every reset look sent: it is the operator's error, not the user's.
_MISCONFIGURED = re.compile(
    r"secret ?hash|secret was not received|configured for secret|auth flow not enabled"
    r"|\bclient\b.*\bdoes not exist",
    re.IGNORECASE,
)
# Operations only the `flask users` commands call, on an operator's machine with the
# operator's credentials: the function's IAM role is not given them. (DescribeUserPool is
# not one: TOTP set-up reads the pool's name as the default MFA issuer.)
OPERATOR_ONLY_OPERATIONS = frozenset(
    {
        "ListUsers",
        "ListGroups",
        "AdminListGroupsForUser",
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminEnableUser",
        "AdminDisableUser",
    }
)
# ListUsers answers at most 60 users a call.
LIST_USERS_MAX_PAGE = 60
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


class CognitoGateway:
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

    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> dict[str, Any]:
        """Create a user with SignUp."""
        with cognito_errors():
            return dict(
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

    def resend_confirmation_code(self, username: str) -> dict[str, Any]:
        """Send the sign-up confirmation code again."""
        with cognito_errors():
            return dict(
                self.client.resend_confirmation_code(
                    ClientId=self.client_id,
                    Username=username,
                    **self._secret(username),  # type: ignore[arg-type]
                )
            )

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Authenticate with AdminInitiateAuth, flow ADMIN_USER_PASSWORD_AUTH."""
        with cognito_errors():
            return dict(
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

    def respond_to_challenge(
        self, username: str, challenge: str, session: str, responses: dict[str, str]
    ) -> dict[str, Any]:
        """Answer a sign-in challenge with AdminRespondToAuthChallenge."""
        answers = {**responses, "USERNAME": username, **self._auth_secret(username)}
        with cognito_errors():
            return dict(
                self.client.admin_respond_to_auth_challenge(
                    UserPoolId=self.pool_id,
                    ClientId=self.client_id,
                    ChallengeName=challenge,  # type: ignore[arg-type]
                    Session=session,
                    ChallengeResponses=answers,
                )
            )

    def associate_software_token(
        self, *, access_token: str | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Start TOTP set-up with AssociateSoftwareToken, for a signed-in user or a sign-in."""
        with token_bound_errors():
            return dict(
                self.client.associate_software_token(**_token_or_session(access_token, session))
            )

    def verify_software_token(
        self,
        code: str,
        device_name: str | None,
        *,
        access_token: str | None = None,
        session: str | None = None,
    ) -> dict[str, Any]:
        """Check a first TOTP code with VerifySoftwareToken (it turns the token on)."""
        device = {} if device_name is None else {"FriendlyDeviceName": device_name}
        with token_bound_errors():
            return dict(
                self.client.verify_software_token(
                    UserCode=code,
                    **device,
                    **_token_or_session(access_token, session),
                )
            )

    def set_user_mfa_preference(
        self, access_token: str, settings: dict[str, dict[str, bool]]
    ) -> None:
        """Enable, disable and prefer MFA factors with SetUserMFAPreference."""
        with token_bound_errors():
            self.client.set_user_mfa_preference(
                AccessToken=access_token,
                **settings,  # type: ignore[arg-type]
            )

    def pool_name(self) -> str:
        """The user pool's name, read once with DescribeUserPool and kept."""
        if self._pool_name is None:
            name = self.describe_user_pool().get("Name")
            if not name:
                raise unexpected_answer("DescribeUserPool")
            self._pool_name = str(name)
        return self._pool_name

    def refresh(self, refresh_token: str, username: str | None) -> dict[str, Any]:
        """Get new tokens with InitiateAuth, flow REFRESH_TOKEN_AUTH."""
        parameters = {"REFRESH_TOKEN": refresh_token}
        if username is not None:
            parameters.update(self._auth_secret(username))
        # With a secret, SECRET_HASH is made from the username the caller gave.
        with cognito_errors(callers_secret_hash=self.needs_secret_hash and username is not None):
            return dict(
                self.client.initiate_auth(
                    ClientId=self.client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters=parameters,
                )
            )

    def forgot_password(self, username: str) -> dict[str, Any]:
        """Start a password reset: Cognito sends a code."""
        with cognito_errors():
            return dict(
                self.client.forgot_password(
                    ClientId=self.client_id,
                    Username=username,
                    **self._secret(username),  # type: ignore[arg-type]
                )
            )

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

    def admin_get_user(self, username: str) -> dict[str, Any]:
        """Read a user (attributes, status, enabled) with AdminGetUser."""
        with cognito_errors():
            return dict(self.client.admin_get_user(UserPoolId=self.pool_id, Username=username))

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

    def get_user(self, access_token: str) -> dict[str, Any]:
        """Ask Cognito about an access token's user (fails for revoked tokens)."""
        with token_bound_errors():
            return dict(self.client.get_user(AccessToken=access_token))

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
    ) -> dict[str, Any]:
        """Send a code to verify an attribute with GetUserAttributeVerificationCode."""
        with token_bound_errors():
            return dict(
                self.client.get_user_attribute_verification_code(
                    AccessToken=access_token, AttributeName=attribute_name
                )
            )

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

    def describe_user_pool(self) -> dict[str, Any]:
        """Read the pool's settings and attribute schema with DescribeUserPool."""
        with cognito_errors():
            return dict(self.client.describe_user_pool(UserPoolId=self.pool_id)["UserPool"])

    def list_users(
        self, filter_expression: str | None = None, page_size: int = LIST_USERS_MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Yield the pool's users (those matching one ListUsers filter), page by page."""
        search = {} if filter_expression is None else {"Filter": filter_expression}
        return _paged(
            lambda token: self.client.list_users(
                UserPoolId=self.pool_id, Limit=page_size, **search, **token
            ),
            "Users",
            "PaginationToken",
        )

    def create_user(
        self,
        username: str,
        attributes: dict[str, str],
        *,
        temporary_password: str | None = None,
        send_message: bool = True,
    ) -> dict[str, Any]:
        """Create a user with AdminCreateUser (Cognito invites them unless told not to)."""
        options: dict[str, Any] = {}
        if temporary_password is not None:
            options["TemporaryPassword"] = temporary_password
        if not send_message:
            options["MessageAction"] = "SUPPRESS"
        with cognito_errors():
            answer = self.client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
                **options,
            )
        return dict(answer.get("User") or {})

    def set_user_enabled(self, username: str, *, enabled: bool) -> None:
        """Let a user sign in again (AdminEnableUser) or stop them (AdminDisableUser)."""
        with cognito_errors():
            if enabled:
                self.client.admin_enable_user(UserPoolId=self.pool_id, Username=username)
            else:
                self.client.admin_disable_user(UserPoolId=self.pool_id, Username=username)

    def list_groups(self) -> Iterator[dict[str, Any]]:
        """Yield the pool's groups with ListGroups."""
        return _paged(
            lambda token: self.client.list_groups(UserPoolId=self.pool_id, Limit=60, **token),
            "Groups",
            "NextToken",
        )

    def groups_of(self, username: str) -> Iterator[dict[str, Any]]:
        """Yield the groups a user is in with AdminListGroupsForUser."""
        return _paged(
            lambda token: self.client.admin_list_groups_for_user(
                UserPoolId=self.pool_id, Username=username, Limit=60, **token
            ),
            "Groups",
            "NextToken",
        )

    def add_to_group(self, username: str, group: str) -> None:
        """Put a user in a group with AdminAddUserToGroup."""
        with cognito_errors():
            self.client.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )

    def remove_from_group(self, username: str, group: str) -> None:
        """Take a user out of a group with AdminRemoveUserFromGroup."""
        with cognito_errors():
            self.client.admin_remove_user_from_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )


def _paged(
    call_page: Callable[[dict[str, str]], Any], items: str, token_name: str
) -> Iterator[dict[str, Any]]:
    """Yield the items of every page of a listing, following its continuation token."""
    token: dict[str, str] = {}
    while True:
        with cognito_errors():
            page = call_page(token)
        yield from (dict(item) for item in page.get(items, []))
        following = page.get(token_name)
        if not following:
            return
        token = {token_name: following}


def _token_or_session(access_token: str | None, session: str | None) -> dict[str, str]:
    """Name the user of a TOTP call: a signed-in user's access token, or a sign-in session."""
    if access_token is not None:
        return {"AccessToken": access_token}
    if session is not None:
        return {"Session": session}
    raise ValueError("an access token or a session is required")


def unexpected_answer(operation: str) -> CognitoRefused:
    """Build the error for a Cognito answer that lacks what it must have (502 at the edge)."""
    return CognitoRefused(f"{operation}:UnexpectedAnswer")

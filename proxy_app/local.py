"""Local mode: an embedded Cognito emulator (moto's server). Nothing else knows moto."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

from proxy_app.config import Config

log = logging.getLogger("proxy_app.local")

LOCAL_CREDENTIALS = ("local", "local")
POOL_NAME = "cognito-proxy-local"
CLIENT_NAME = "cognito-proxy-local-client"
LOCAL_TABLE = "cognito-proxy-local"


@dataclass(frozen=True)
class LocalCognito:
    """A running emulator with one user pool and one app client in it."""

    endpoint_url: str
    user_pool_id: str
    app_client_id: str
    server: Any


def start_local_cognito(config: Config) -> LocalCognito:
    """Start moto's server on 127.0.0.1 (free port), create a pool and an app client."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - depends on how the app was installed
        raise RuntimeError(
            "Local mode needs moto: pip install -e '.[dev]', or set COGNITO_USER_POOL_ID"
        ) from exc
    teach_emulator()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _quiet_request_log(server)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.session.Session().client(
        "cognito-idp",
        region_name=config.region,
        endpoint_url=endpoint,
        aws_access_key_id=LOCAL_CREDENTIALS[0],
        aws_secret_access_key=LOCAL_CREDENTIALS[1],
    )
    pool = client.create_user_pool(
        PoolName=POOL_NAME,
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": False,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
    )["UserPool"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=CLIENT_NAME,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return LocalCognito(endpoint, pool["Id"], app_client["ClientId"], server)


def _quiet_request_log(server: Any) -> None:
    """Keep the emulator's own access log out of the proxy's output."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    wsgi_server = getattr(server, "_server", None)
    if wsgi_server is not None:
        wsgi_server.RequestHandlerClass = QuietHandler


def local_config(config: Config, local: LocalCognito) -> Config:
    """Point a configuration at the embedded emulator."""
    return config.replace(
        user_pool_id=local.user_pool_id,
        app_client_id=local.app_client_id,
        app_client_secret=None,
        endpoint_url=local.endpoint_url,
        static_credentials=LOCAL_CREDENTIALS,
        records_table=config.records_table or LOCAL_TABLE,
        dynamodb_endpoint_url=local.endpoint_url,
    )


def print_banner(local: LocalCognito, *, allow_remote: bool = False) -> None:
    """Say, once, that this is local mode and what it means."""
    lines = [
        "cognito-proxy: LOCAL MODE (COGNITO_USER_POOL_ID is not set)",
        f"  embedded Cognito emulator (moto) at {local.endpoint_url}",
        f"  user pool {local.user_pool_id}, app client {local.app_client_id}",
        "  nothing is sent by email or SMS: any confirmation code is accepted",
        "  data lives in memory and is gone when the process stops",
        "  the emulator signs tokens with a published key: anyone who reaches this",
        "  server can forge a token for any user, so it answers this machine only",
    ]
    if allow_remote:
        lines.append("  LOCAL_MODE_ALLOW_REMOTE=true: other machines are answered too (forgeable!)")
    else:
        lines.append("  (LOCAL_MODE_ALLOW_REMOTE=true lifts that; never on a shared network)")
    width = max(len(line) for line in lines)
    rule = "=" * width
    print("\n".join([rule, *lines, rule]), file=sys.stderr, flush=True)


def teach_emulator() -> None:
    """Teach moto the calls it lacks and the routes need (the embedded emulator only)."""
    _teach_resend_confirmation_code()
    _teach_revoke_token()
    _teach_attribute_verification()


def _delivery(user: Any, username: str, attribute: str | None = None) -> dict[str, str]:
    """Where the emulator pretends to send a code: the user's email, else a phone."""
    email = user.attribute_lookup.get("email") or (username if "@" in username else None)
    if email and attribute in (None, "email"):
        local_part, _, domain = email.partition("@")
        return {
            "Destination": f"{local_part[:1]}***@{domain[:1]}***",
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
    return {
        "Destination": "+*******0000",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }


def _teach_resend_confirmation_code() -> None:
    """moto lacks ResendConfirmationCode; answer it in the embedded emulator only."""
    from moto.cognitoidp.exceptions import UserNotFoundError
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import ActionResult

    if getattr(CognitoIdpResponse, "resend_confirmation_code", None) is not None:
        return

    def resend_confirmation_code(self: Any) -> Any:
        client_id = self._get_param("ClientId")
        username = self._get_param("Username")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next(p for p in backend.user_pools.values() if client_id in p.clients)
        user = pool._get_user(username)
        if user is None:
            raise UserNotFoundError(username)
        return ActionResult({"CodeDeliveryDetails": _delivery(user, username)})

    CognitoIdpResponse.resend_confirmation_code = resend_confirmation_code  # type: ignore[attr-defined]


def _teach_revoke_token() -> None:
    """moto lacks RevokeToken: end the refresh token's session and its access tokens."""
    import jwt
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    if getattr(CognitoIdpResponse, "revoke_token", None) is not None:
        return

    def revoke_token(self: Any) -> Any:
        client_id = self._get_param("ClientId")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next(p for p in backend.user_pools.values() if client_id in p.clients)
        app_client = pool.clients[client_id]
        if app_client.generate_secret and self._get_param("ClientSecret") != app_client.secret:
            raise NotAuthorizedError("Client secret does not match.")
        session = pool.refresh_tokens.get(self._get_param("Token"))
        if session is not None:
            # Cognito answers 200 for a token it no longer knows, and so does this.
            pool.refresh_tokens[self._get_param("Token")] = None
            origin_jti = session[2]
            for access_token in list(pool.access_tokens):
                claims = jwt.decode(access_token, options={"verify_signature": False})
                if claims.get("origin_jti") == origin_jti:
                    pool.access_tokens.pop(access_token)
        return EmptyResult()

    CognitoIdpResponse.revoke_token = revoke_token  # type: ignore[attr-defined]


def _teach_attribute_verification() -> None:
    """moto lacks GetUserAttributeVerificationCode and VerifyUserAttribute: send nothing,
    accept any code (as local mode does for every code)."""
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import ActionResult, EmptyResult

    if getattr(CognitoIdpResponse, "verify_user_attribute", None) is not None:
        return

    def get_user_attribute_verification_code(self: Any) -> Any:
        user = self.backend.get_user(self._get_param("AccessToken"))
        details = _delivery(user, user.username, self._get_param("AttributeName"))
        return ActionResult({"CodeDeliveryDetails": details})

    def verify_user_attribute(self: Any) -> Any:
        user = self.backend.get_user(self._get_param("AccessToken"))
        name = self._get_param("AttributeName")
        user.update_attributes([{"Name": f"{name}_verified", "Value": "true"}])
        return EmptyResult()

    CognitoIdpResponse.get_user_attribute_verification_code = (  # type: ignore[attr-defined]
        get_user_attribute_verification_code
    )
    CognitoIdpResponse.verify_user_attribute = verify_user_attribute  # type: ignore[attr-defined]

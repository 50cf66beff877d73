"""The one place that reaches into moto's own objects (written against moto 5.2.x).

The differences in differences.py read and change moto's state only through these
functions, so a moto upgrade that moves its internals breaks here, in one module, and
tests/test_local_cognito.py says which difference needs a look.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UserView:
    """What a difference needs to know about one of moto's users."""

    username: str
    status: str
    enabled: bool
    password: str | None
    attributes: dict[str, str]


def moto_wsgi_app() -> Any:
    """moto's own server application (what ThreadedMotoServer serves)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def moto_request_handler() -> Any:
    """moto's request handler for werkzeug (it keeps headers with underscores)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler


def _backends() -> Iterator[Any]:
    from moto.cognitoidp.models import cognitoidp_backends

    for account_backends in list(cognitoidp_backends.values()):
        for region, backend in list(account_backends.items()):
            if region != "global":
                yield backend


def _pools() -> Iterator[Any]:
    for backend in _backends():
        yield from list(backend.user_pools.values())


def session_known(session: str) -> bool:
    """True when a sign-in challenge's session is one moto handed out and still holds."""
    return any(session in backend.sessions for backend in _backends())


def _pool_of_client(client_id: str) -> Any | None:
    return next((pool for pool in _pools() if client_id in pool.clients), None)


def _view(user: Any) -> UserView:
    status = user.status
    return UserView(
        username=user.username,
        status=str(getattr(status, "value", status)),
        enabled=bool(user.enabled),
        password=user.password,
        attributes=dict(user.attribute_lookup),
    )


def find_user(client_id: str, username: str) -> UserView | None:
    """The user of the app client's pool with this username (or alias), if any."""
    pool = _pool_of_client(client_id)
    user = pool._get_user(username) if pool is not None else None
    return _view(user) if user is not None else None


def _user_of_access_token(access_token: str) -> Any | None:
    for pool in _pools():
        entry = pool.access_tokens.get(access_token)
        if entry is not None:
            return pool._get_user(entry[1])
    return None


def user_of_access_token(access_token: str) -> UserView | None:
    """The confirmed, enabled user an unrevoked access token was issued to, if any."""
    user = _user_of_access_token(access_token)
    if user is None:
        return None
    view = _view(user)
    return view if view.enabled and view.status == "CONFIRMED" else None


def mark_attribute_verified(access_token: str, attribute: str) -> None:
    """Set `{attribute}_verified` to true for the access token's user."""
    user = _user_of_access_token(access_token)
    if user is not None:
        user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])


def client_secret(client_id: str) -> str | None:
    """The app client's secret, or None for a client without one (or no such client)."""
    pool = _pool_of_client(client_id)
    if pool is None:
        return None
    app_client = pool.clients[client_id]
    return app_client.secret if app_client.generate_secret else None


def client_exists(client_id: str) -> bool:
    """True when some pool has this app client."""
    return _pool_of_client(client_id) is not None


def revoke_refresh_token(client_id: str, token: str) -> None:
    """End the refresh token's session and the access tokens issued from it."""
    import jwt

    pool = _pool_of_client(client_id)
    if pool is None:
        return
    session = pool.refresh_tokens.get(token)
    if session is None:
        return
    pool.refresh_tokens[token] = None
    origin_jti = session[2]
    for access_token in list(pool.access_tokens):
        claims = jwt.decode(access_token, options={"verify_signature": False})
        if claims.get("origin_jti") == origin_jti:
            pool.access_tokens.pop(access_token, None)


def totp_code_valid(code: str) -> bool:
    """True when `code` is the current code of moto's authenticator secret.

    moto gives every user one fixed secret and checks codes only when the process's
    MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is true; this checks without that switch.
    """
    from cryptography.hazmat.primitives.twofactor import InvalidToken
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET
    from moto.cognitoidp.utils import cognito_totp, verify_totp

    try:
        verify_totp(cognito_totp(COGNITO_TOTP_MFA_SECRET), code.encode("utf-8"))
    except (InvalidToken, ValueError):
        return False
    return True

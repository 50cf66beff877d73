"""The one place that reaches into moto's own objects (written against moto 5.2.x).

The differences in differences.py read and change moto's state only through these
functions, so a moto upgrade that moves its internals breaks here, in one module, and
tests/emulator/test_differences.py says which difference needs a look.
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


def access_token_live(access_token: str) -> bool:
    """Whether moto still holds this access token (not signed out, revoked or unknown)."""
    return _user_of_access_token(access_token) is not None


def issued_here(token: str) -> bool:
    """Whether a token names, as its issuer, a pool moto has (signed out or not)."""
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return _pool(str(claims.get("iss", "")).rsplit("/", 1)[-1]) is not None


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


def totp_code_valid(secret: str, code: str) -> bool:
    """True when `code` is the current code of the authenticator `secret` (base32)."""
    from cryptography.hazmat.primitives.twofactor import InvalidToken
    from moto.cognitoidp.utils import cognito_totp, verify_totp

    try:
        verify_totp(cognito_totp(secret), code.encode("utf-8"))
    except (InvalidToken, ValueError):
        return False
    return True


# --- Pools, users and sessions (for the stricter differences) --------------------------


@dataclass(frozen=True)
class PoolView:
    """What a difference needs to know about one of moto's pools."""

    id: str
    case_sensitive: bool
    username_attributes: tuple[str, ...]
    password_policy: dict[str, Any]
    recovery_mechanisms: tuple[str, ...]


def _pool(pool_id: str) -> Any | None:
    return next((pool for pool in _pools() if pool.id == pool_id), None)


def _pool_view(pool: Any) -> PoolView:
    config = pool.extended_config
    case_sensitive = (config.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
    policy = (config.get("Policies") or {}).get("PasswordPolicy") or {}
    # Without an AccountRecoverySetting, Cognito recovers by a verified phone, else email.
    recovery = (config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or [
        {"Priority": 1, "Name": "verified_phone_number"},
        {"Priority": 2, "Name": "verified_email"},
    ]
    return PoolView(
        id=pool.id,
        case_sensitive=bool(case_sensitive),
        username_attributes=tuple(config.get("UsernameAttributes") or ()),
        password_policy=dict(policy),
        recovery_mechanisms=tuple(
            str(mechanism.get("Name"))
            for mechanism in sorted(recovery, key=lambda m: int(m.get("Priority", 0)))
        ),
    )


def pool_by_id(pool_id: str) -> PoolView | None:
    """The pool with this id, if any."""
    pool = _pool(pool_id)
    return _pool_view(pool) if pool is not None else None


def pool_of_client(client_id: str) -> PoolView | None:
    """The pool that holds this app client, if any."""
    pool = _pool_of_client(client_id)
    return _pool_view(pool) if pool is not None else None


def find_user_in_pool(pool_id: str, username: str) -> UserView | None:
    """The pool's user with this username (or username attribute), if any."""
    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    return _view(user) if user is not None else None


def usernames_matching(pool_id: str, given: str, attributes: tuple[str, ...]) -> list[str]:
    """The usernames of the pool's users whose username, or one of `attributes`,
    equals `given` ignoring case."""
    pool = _pool(pool_id)
    if pool is None:
        return []
    folded = given.casefold()
    found = []
    for user in list(pool.users.values()):
        values = [user.username] + [user.attribute_lookup.get(name) for name in attributes]
        if any(isinstance(value, str) and value.casefold() == folded for value in values):
            found.append(user.username)
    return found


def set_status(pool_id: str, username: str, status: str) -> None:
    """Put a user in a status (CONFIRMED, RESET_REQUIRED, ...)."""
    from moto.cognitoidp.models import UserStatus

    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    if user is not None:
        user.status = UserStatus[status]


def delete_user(pool_id: str, username: str) -> None:
    """Delete a user as AdminDeleteUser does (its tokens go with it)."""
    for backend in _backends():
        if pool_id in backend.user_pools:
            backend.admin_delete_user(pool_id, username)
            return


def names_of(username: str) -> list[str]:
    """The email and phone number of the users of any pool with this username."""
    names = []
    for pool in _pools():
        user = pool.users.get(username)
        if user is not None:
            names += [user.attribute_lookup.get(name) for name in ("email", "phone_number")]
    return [name for name in names if name]


def mark_verified(pool_id: str, username: str, attribute: str) -> None:
    """Set `{attribute}_verified` to true for a user of the pool."""
    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    if user is not None:
        user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])


def password_refused(pool_id: str, password: str) -> bool:
    """True when the pool's password policy refuses `password` (moto's own check)."""
    from moto.cognitoidp.exceptions import InvalidPasswordException

    for backend in _backends():
        if pool_id in backend.user_pools:
            try:
                backend._validate_password(pool_id, password)
            except InvalidPasswordException:
                return True
            return False
    return False


def session_user(session: str) -> tuple[str, str] | None:
    """The (pool id, username) a challenge session belongs to, if moto holds it."""
    for backend in _backends():
        entry = backend.sessions.get(session)
        if entry is not None:
            username, pool = entry
            return pool.id, username
    return None


def forget_session(session: str) -> None:
    """End a challenge session."""
    for backend in _backends():
        backend.sessions.pop(session, None)


def client_setting(client_id: str, name: str) -> Any:
    """One of the app client's settings (AuthSessionValidity, ...), None if unset."""
    pool = _pool_of_client(client_id)
    if pool is None:
        return None
    return pool.clients[client_id].extended_config.get(name)


def user_of_token(token: str) -> tuple[str, str] | None:
    """The (pool id, username) an unrevoked access token was issued to, if any."""
    for pool in _pools():
        entry = pool.access_tokens.get(token)
        if entry is not None:
            user = pool._get_user(entry[1])
            if user is not None:
                return pool.id, user.username
    return None


def user_attributes(pool_id: str, username: str) -> list[dict[str, str]]:
    """The user's attributes as Cognito lists them (Name, Value)."""
    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    return [dict(attribute) for attribute in user.attributes] if user is not None else []


def user_sub(pool_id: str, username: str) -> str | None:
    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    return str(user.id) if user is not None else None


def reissue(token: str, claims: dict[str, Any]) -> str:
    """Sign `claims` with the key moto signed `token` with, in moto's place for `token`.

    The new token replaces the old one wherever moto keeps it (access and id tokens), so
    GetUser, GlobalSignOut and the rest know it as moto's own.
    """
    import jwt as pyjwt
    from joserfc import jwt

    issuer = pyjwt.decode(token, options={"verify_signature": False}).get("iss", "")
    pool = _pool(str(issuer).rsplit("/", 1)[-1])
    if pool is None:
        return token
    header = pyjwt.get_unverified_header(token)
    new = str(jwt.encode(header, claims, pool.json_web_key))
    for registry in (pool.access_tokens, pool.id_tokens):
        if token in registry:
            registry[new] = registry.pop(token)
    return new


def moto_totp_code() -> str:
    """The current code of moto's one fixed authenticator secret (what moto checks when
    MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is set)."""
    import time

    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET
    from moto.cognitoidp.utils import cognito_totp

    return str(cognito_totp(COGNITO_TOTP_MFA_SECRET).generate(int(time.time())).decode())


def sms_destination(pool_id: str, username: str) -> str:
    """The user's phone number, masked as Cognito masks it."""
    phone = next(
        (a["Value"] for a in user_attributes(pool_id, username) if a["Name"] == "phone_number"),
        "",
    )
    return f"+*******{phone[-4:] if len(phone) >= 4 else '0000'}"


def mfa_to_set_up(pool_id: str, username: str) -> list[str]:
    """The factors a user must choose from before signing in: none unless the pool
    requires MFA (ON) and the user has none enabled."""
    pool = _pool(pool_id)
    user = pool._get_user(username) if pool is not None else None
    if pool is None or user is None or pool.mfa_config != "ON":
        return []
    if user.software_token_mfa_enabled or user.sms_mfa_enabled or user.token_verified:
        return []
    factors = []
    if pool.token_mfa_config == {"Enabled": True}:
        factors.append("SOFTWARE_TOKEN_MFA")
    if pool.sms_mfa_config:
        factors.append("SMS_MFA")
    return factors


def new_session(pool_id: str, username: str) -> str:
    """A new challenge session for the user, held by moto as its own."""
    import uuid

    pool = _pool(pool_id)
    for backend in _backends():
        if pool is not None and pool_id in backend.user_pools:
            session = str(uuid.uuid4())
            backend.sessions[session] = (username, pool)
            return session
    raise LookupError(pool_id)

"""Helpers for the token tests: moto's signing key, token minting, tiny key servers."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import importlib.resources
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.cognito import REGION, Pool

MOTO_KID = "dummy"


def _moto_resource(name: str) -> dict[str, Any]:
    path = importlib.resources.files("moto.cognitoidp") / "resources" / name
    document: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return document


@cache
def moto_private_key() -> rsa.RSAPrivateKey:
    """The one key moto signs every pool's tokens with (kid "dummy")."""
    key = jwt.PyJWK(_moto_resource("jwks-private.json.gz"), algorithm="RS256").key
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@cache
def moto_public_jwks() -> dict[str, Any]:
    """moto's published key set, as its /.well-known/jwks.json serves it."""
    return _moto_resource("jwks-public.json.gz")


def public_jwk(
    private_key: rsa.RSAPrivateKey, kid: str, alg: str | None = "RS256"
) -> dict[str, Any]:
    """The public JWK of a key, as a JWKS entry."""
    entry: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    entry.update({"kid": kid, "use": "sig"})
    if alg is not None:
        entry["alg"] = alg
    return entry


@cache
def other_private_key() -> rsa.RSAPrivateKey:
    """An RSA key that is not moto's (the forger's)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes | str | dict[str, Any] | list[Any]) -> str:
    """base64url without padding, of bytes, text or JSON."""
    if isinstance(data, dict | list):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(
    pool: Pool,
    token_use: str,
    username: str,
    sub: str,
    issuer: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Claims shaped like moto's (and Cognito's) for this pool; overrides replace or drop
    (value None) single claims."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or f"https://cognito-idp.{REGION}.amazonaws.com/{pool.id}",
        "sub": sub,
        "token_use": token_use,
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
        "origin_jti": str(uuid.uuid4()),
    }
    if token_use == "access":
        claims.update(
            client_id=pool.client_id, username=username, scope="aws.cognito.signin.user.admin"
        )
    else:
        claims.update({"aud": pool.client_id, "cognito:username": username, "email": username})
    for name, value in overrides.items():
        name = name.replace("__", ":")
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def mint(
    claims: dict[str, Any],
    *,
    key: Any = None,
    kid: str | None = MOTO_KID,
    alg: str = "RS256",
) -> str:
    """Sign claims (with moto's key unless told otherwise)."""
    headers: dict[str, Any] = {"kid": kid} if kid is not None else {}
    token = jwt.encode(
        claims, key if key is not None else moto_private_key(), algorithm=alg, headers=headers
    )
    if kid is None:
        header = jwt.get_unverified_header(token)
        assert "kid" not in header
    return token


def hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The classic confusion attack: HMAC keyed with the pool's public key (PEM)."""
    secret = (
        moto_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = f"{b64({'alg': 'HS256', 'kid': MOTO_KID, 'typ': 'JWT'})}.{b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def unsigned(claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    """`alg: none`: no signature at all."""
    return f"{b64(header or {'alg': 'none', 'kid': MOTO_KID})}.{b64(claims)}."


@dataclass
class JwksServer:
    """A local HTTP server that serves a key set and counts the GETs it answers."""

    document: dict[str, Any]
    status: int = 200
    body: bytes | None = None  # served instead of the document when set
    delay: float = 0.0
    trickle: float = 0.0  # seconds between single bytes of the body
    gets: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self._lock:
            return self.gets


@contextmanager
def jwks_server(document: dict[str, Any] | None = None) -> Iterator[JwksServer]:
    """Serve a key set (moto's by default) on 127.0.0.1 and a free port."""
    state = JwksServer(document if document is not None else moto_public_jwks())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state._lock:
                state.gets += 1
            if state.delay:
                time.sleep(state.delay)
            body = state.body if state.body is not None else json.dumps(state.document).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not state.trickle:
                self.wfile.write(body)
                return
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
                time.sleep(state.trickle)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/pool/.well-known/jwks.json"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def hanging_server() -> Iterator[str]:
    """A server that accepts connections and never answers; yields a JWKS URL on it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)  # held open, never read or answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/pool/.well-known/jwks.json"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()

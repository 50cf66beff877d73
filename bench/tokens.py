"""What token verification costs: GET /token/valid against a floor that carries nothing of ours.

Measured in one run, in this process, interleaved round by round (warm, JWKS cached):
- GET /token/valid with an id token through `wsgi.handler` (API Gateway v2 events);
- the floor, in two parts: a bare app (a separate `Flask()` with one route that reads the
  idToken header and answers JSON; none of our hooks, headers or log line) through the
  same apig-wsgi handler, plus a bare `jwt.decode` of the same token (signature, exp, iss,
  aud) with the pool's key as PyJWT reads it from the pool's JWKS document (not from our
  cache), which does RSA on every call.
Prints the median of each, the ratio of ours to (bare app + bare decode) (aim: <= 1.1),
and our own microseconds above the bare app. Rounds are many and short (the machine's
speed drifts within seconds), and the bare app also runs as a side of its own a second
time: how far it lands from itself is the run's resolution, printed with the figures.
Then the same GET /token/valid with TOKEN_REVOCATION_CHECK=true (id token: AdminGetUser
plus the shared table's sign-out and session records, over moto's server), and the
latency that check adds per request.

    .venv/bin/python bench/tokens.py [--requests 400] [--rounds 25]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from apig_wsgi import make_lambda_handler
from flask import Flask, jsonify, request
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, REGION, app_environment, create_pool


def per_request(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def event(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
            },
            "requestId": "bench",
        },
        "isBase64Encoded": False,
    }


def id_token(endpoint: str) -> tuple[str, str, str]:
    """Create a pool, a client and a user in moto; return (pool, client, id token)."""
    pool, client, (username,), cognito = create_pool(endpoint)
    result = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return pool, client, result["AuthenticationResult"]["IdToken"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="calls per round and side")
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_DEFAULT_REGION", REGION),
    ):
        os.environ.setdefault(name, value)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        pool, client_id, token = id_token(endpoint)
        os.environ.update(app_environment(endpoint, pool, client_id), LOG_LEVEL="INFO")
        wsgi = importlib.import_module("wsgi")
        bare_handler = make_lambda_handler(bare_app())
        verifier = wsgi.app.extensions["services"].verifier
        valid_event = event("/token/valid", {"idtoken": token})
        bare_event = event("/token/valid", {"idtoken": token})

        def ours() -> None:
            response = wsgi.handler(valid_event, None)
            assert response["statusCode"] == 200, response

        def bare_route() -> None:
            response = bare_handler(bare_event, None)
            assert response["statusCode"] == 200, response

        issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"

        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            ours()  # fetches the JWKS once; every later call uses the cache
            key = pool_key(endpoint, pool, token)

            def bare_decode() -> None:
                jwt.decode(token, key=key, algorithms=["RS256"], audience=client_id, issuer=issuer)

            for call in (ours, bare_route, bare_decode):
                per_request(call, 200)
            times: dict[str, list[float]] = {"ours": [], "route": [], "decode": [], "again": []}
            for round_number in range(args.rounds):
                sides = [
                    ("ours", ours),
                    ("route", bare_route),
                    ("decode", bare_decode),
                    ("again", bare_route),
                ]
                if round_number % 2:
                    sides.reverse()  # neither side always runs first
                for name, call in sides:
                    times[name].append(per_request(call, args.requests))
        assert verifier.jwks.fetch_count == 1
        checked_s = with_revocation_check(endpoint, valid_event, args)
    finally:
        server.stop()

    ours_s, route_s, decode_s, again_s = (
        statistics.median(times[k]) for k in ("ours", "route", "decode", "again")
    )
    ratio = ours_s / (route_s + decode_s)
    print(f"medians of {args.rounds} interleaved rounds of {args.requests} calls each")
    print(
        f"GET /token/valid through wsgi.handler   : {1 / ours_s:9.0f} req/s "
        f"({ours_s * 1e6:7.1f} us/request)"
    )
    print(
        f"floor: bare Flask() app, same handler   : {1 / route_s:9.0f} req/s "
        f"({route_s * 1e6:7.1f} us/request)"
    )
    print(
        f"floor: bare jwt.decode, same token, key : {1 / decode_s:9.0f} /s    "
        f"({decode_s * 1e6:7.1f} us/call)"
    )
    print(f"ratio ours / (bare app + bare decode)   : {ratio:8.3f}  (aim: <= 1.1)")
    print(f"ours above the bare app                 : {(ours_s - route_s) * 1e6:8.1f} us/request"
          "  (aim: <= 100)")  # fmt: skip
    print(f"resolution: the bare app run again      : {(again_s - route_s) * 1e6:+8.1f} us/request"
          f"  ({again_s / route_s:.3f} of itself)")  # fmt: skip
    print(
        f"same, TOKEN_REVOCATION_CHECK=true        : {1 / checked_s:9.0f} req/s "
        f"({checked_s * 1e6:7.1f} us/request; the check adds "
        f"{(checked_s - ours_s) * 1e3:.2f} ms: 1 AdminGetUser + 1 DynamoDB BatchGetItem)"
    )
    print(
        json.dumps(
            {
                "floor": "bare Flask() app through apig-wsgi + bare jwt.decode",
                "revocation_check_added_ms": round((checked_s - ours_s) * 1e3, 2),
                "requests": args.requests * args.rounds,
                "token_valid_rps": round(1 / ours_s),
                "bare_app_rps": round(1 / route_s),
                "bare_decode_per_s": round(1 / decode_s),
                "ours_above_bare_app_us": round((ours_s - route_s) * 1e6, 1),
                "bare_app_again_us": round((again_s - route_s) * 1e6, 1),
                "ratio": round(ratio, 3),
            }
        )
    )


def pool_key(endpoint: str, pool: str, token: str) -> jwt.PyJWK:
    """The key that signed the token, read by PyJWT from the pool's JWKS document."""
    with urllib.request.urlopen(f"{endpoint}/{pool}/.well-known/jwks.json", timeout=10) as answer:
        document = json.load(answer)
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.PyJWKSet.from_dict(document)[kid]


def bare_app() -> Flask:
    """The floor's app: a plain Flask() with one route that reads a header, answers JSON."""
    app = Flask("bare")

    @app.get("/token/valid")
    def valid() -> Any:
        return jsonify({"valid": True, "idToken": len(request.headers.get("idToken", ""))})

    return app


def with_revocation_check(
    endpoint: str, valid_event: dict[str, Any], args: argparse.Namespace
) -> float:
    """Median seconds per GET /token/valid with the revocation check on."""
    from proxy_app import create_app
    from proxy_app.aws.table import Records
    from proxy_app.config import Config

    config = Config.from_env(
        {
            **os.environ,
            "TOKEN_REVOCATION_CHECK": "true",
            "REVOCATION_TABLE": "bench-revocation",
            "DYNAMODB_ENDPOINT_URL": endpoint,
        }
    )
    Records(config).create_table()
    handler = make_lambda_handler(create_app(config))

    def checked() -> None:
        response = handler(valid_event, None)
        assert response["statusCode"] == 200, response

    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        per_request(checked, 50)
        count = max(args.requests // 10, 50)
        return statistics.median(per_request(checked, count) for _ in range(args.rounds))


if __name__ == "__main__":
    main()

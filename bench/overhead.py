"""What the proxy adds to a sign-in, against floors that carry nothing of ours.

1. Over moto's server: POST /admin/signin through `wsgi.handler` against the floor, a
   bare `Flask()` app through the same apig-wsgi handler whose one route reads the JSON
   body, makes the same AdminInitiateAuth with a plain `boto3.client("cognito-idp")` (none
   of our client settings or event handlers) and answers JSON; same standalone moto
   server. Aim: <= 1.05x. The same call made with that plain client alone runs beside
   them, for reference: what any Flask app pays over boto3.
2. In process, Cognito answered by a canned response at botocore's `before-send` (no
   network; parameter validation, signing and parsing still run on both sides): the same
   request through `wsgi.handler` against the same bare app, its plain client canned
   alike. Prints our own microseconds above that bare app (aim: <= 100 us).

Each side runs alternately, round by round (order swapped every round); medians of the
rounds are printed. Rounds are many and short: on a shared machine the speed drifts
within seconds, and short rounds put every side through the same drift. The floor also
runs as a side of its own a second time: its ratio to itself is this run's resolution
(what two identical sides differ by), printed beside each figure.

    .venv/bin/python bench/overhead.py [--requests 60] [--rounds 25] [--stubbed-requests 400]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from apig_wsgi import make_lambda_handler
from botocore.awsrequest import AWSResponse
from flask import Flask, jsonify, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, REGION, app_environment, create_pool, fake_credentials, moto_server


def per_request(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def interleaved(
    sides: dict[str, Callable[[], object]], count: int, rounds: int
) -> dict[str, float]:
    """Median seconds per call of each side, the sides alternating round by round."""
    for call in sides.values():
        per_request(call, max(count // 10, 10))  # warm-up
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for _ in range(rounds):
        for name in order:
            times[name].append(per_request(sides[name], count))
        order.reverse()
    return {name: statistics.median(values) for name, values in times.items()}


def sign_in_event(username: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/admin/signin",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"username": username, "password": PASSWORD}),
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/admin/signin",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
            },
            "requestId": "bench",
        },
        "isBase64Encoded": False,
    }


def plain_client(endpoint: str) -> Any:
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)


def bare_app(client: Any, pool: str, client_id: str) -> Flask:
    """The floor's app: a plain Flask() whose one route makes the call and answers JSON."""
    app = Flask("bare")

    @app.post("/admin/signin")
    def sign_in() -> Any:
        body = request.get_json()
        result = client.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": body["username"], "PASSWORD": body["password"]},
        )["AuthenticationResult"]
        return jsonify({"idToken": result["IdToken"], "accessToken": result["AccessToken"]})

    return app


def canned(client: Any, answer: bytes) -> None:
    """Answer every call of this client with `answer` (HTTP 200), without the network."""

    def send(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                           _Raw(answer))  # fmt: skip

    client.meta.events.register("before-send.cognito-idp", send)


class _Raw:
    """The raw body botocore reads from an AWSResponse."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="over moto, per round and side")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--stubbed-requests", type=int, default=400,
                        help="in process, per round and side")  # fmt: skip
    args = parser.parse_args()
    fake_credentials()
    with moto_server() as endpoint:
        pool, client_id, (username,), _ = create_pool(endpoint)
        os.environ.update(app_environment(endpoint, pool, client_id), LOG_LEVEL="INFO")
        wsgi = importlib.import_module("wsgi")
        direct_client = plain_client(endpoint)
        event = sign_in_event(username)

        def through_proxy() -> None:
            response = wsgi.handler(event, None)
            assert response["statusCode"] == 200, response

        def direct() -> None:  # for reference: boto3 alone, no Flask
            result = direct_client.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
            assert result["AuthenticationResult"]["IdToken"]

        # The floor: the bare app, its own plain client, no canning.
        bare_over_moto = make_lambda_handler(bare_app(plain_client(endpoint), pool, client_id))

        def bare_app_over_moto() -> None:
            response = bare_over_moto(event, None)
            assert response["statusCode"] == 200, response

        # The proxy logs one JSON line per request, as in production; into /dev/null here.
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            over_moto = interleaved(
                {
                    "proxy": through_proxy,
                    "bare": bare_app_over_moto,
                    "direct": direct,
                    "bare again": bare_app_over_moto,
                },
                args.requests,
                args.rounds,
            )
            # A real answer of moto's, served from memory from now on.
            real = direct_client.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
            answer = json.dumps({"AuthenticationResult": real["AuthenticationResult"]}).encode()
            canned(wsgi.app.extensions["cognito_gateway"].client, answer)
            floor_client = plain_client(endpoint)
            canned(floor_client, answer)
            bare_handler = make_lambda_handler(bare_app(floor_client, pool, client_id))

            def bare() -> None:
                response = bare_handler(event, None)
                assert response["statusCode"] == 200, response

            in_process = interleaved(
                {"proxy": through_proxy, "bare": bare, "bare again": bare},
                args.stubbed_requests,
                args.rounds,
            )

    proxy_ms, direct_ms = over_moto["proxy"] * 1000, over_moto["direct"] * 1000
    bare_ms, again_ms = over_moto["bare"] * 1000, over_moto["bare again"] * 1000
    ours_us, bare_us = in_process["proxy"] * 1e6, in_process["bare"] * 1e6
    bare_again_us = in_process["bare again"] * 1e6
    print(f"medians of {args.rounds} interleaved rounds")
    print("(resolution: the floor, run again as a side of its own, differs from itself by 'again')")
    print(f"over moto ({args.requests} requests a round and side)")
    print(f"  POST /admin/signin through wsgi.handler        : {proxy_ms:8.3f} ms/request")
    print(f"  floor: bare Flask() app + plain boto3, same    : {bare_ms:8.3f} ms/request")
    print(f"  ratio proxy / floor                            : {proxy_ms / bare_ms:8.3f}"
          "  (aim: <= 1.05)")  # fmt: skip
    print(f"  the floor again, as a side of its own          : {again_ms:8.3f} ms/request"
          f"  ({again_ms / bare_ms:.3f} of the floor)")  # fmt: skip
    print(f"  for reference, the plain boto3 call alone      : {direct_ms:8.3f} ms/request"
          f"  (the floor is {bare_ms / direct_ms:.3f} of it)")  # fmt: skip
    print(f"in process, Cognito's answer canned at before-send ({args.stubbed_requests} a round)")
    print(f"  POST /admin/signin through wsgi.handler        : {ours_us:8.1f} us/request")
    print(f"  floor: bare Flask() app + plain boto3, same    : {bare_us:8.1f} us/request")
    print(f"  ours above the floor                           : {ours_us - bare_us:8.1f} us/request"
          "  (aim: <= 100)")  # fmt: skip
    print(f"  the floor again, as a side of its own          : {bare_again_us:8.1f} us/request"
          f"  ({bare_again_us - bare_us:+.1f} us)")  # fmt: skip
    print(json.dumps({
        "floor": "bare Flask() app + plain boto3, same call (over moto and in process)",
        "requests": args.requests * args.rounds,
        "proxy_ms_per_request": round(proxy_ms, 3),
        "bare_app_over_moto_ms_per_request": round(bare_ms, 3),
        "ratio": round(proxy_ms / bare_ms, 3),
        "floor_again_ratio": round(again_ms / bare_ms, 3),
        "direct_boto3_ms_per_request": round(direct_ms, 3),
        "bare_app_over_direct_boto3": round(bare_ms / direct_ms, 3),
        "in_process_proxy_us": round(ours_us, 1),
        "in_process_bare_us": round(bare_us, 1),
        "in_process_above_floor_us": round(ours_us - bare_us, 1),
        "in_process_floor_again_us": round(bare_again_us - bare_us, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()

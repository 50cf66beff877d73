"""What the proxy adds to a sign-in: wsgi.handler vs the same boto3 call made directly.

Both run in this process, alternately, against one standalone moto server. Prints the
median time per request of each and their ratio (the proxy's overhead).

    .venv/bin/python bench/overhead.py [--requests 300] [--rounds 5]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, app_environment, create_pool, fake_credentials, moto_server


def per_request(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    fake_credentials()
    with moto_server() as endpoint:
        pool, client_id, (username,), _ = create_pool(endpoint)
        os.environ.update(app_environment(endpoint, pool, client_id), LOG_LEVEL="INFO")
        wsgi = importlib.import_module("wsgi")
        gateway = wsgi.app.extensions["cognito_gateway"]
        direct_client = gateway._make_client()  # same timeouts and retries as the proxy's
        event = {
            "version": "2.0",
            "rawPath": "/admin/signin",
            "rawQueryString": "",
            "headers": {"username": username, "password": PASSWORD},
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

        def through_proxy() -> None:
            response = wsgi.handler(event, None)
            assert response["statusCode"] == 200, response

        def direct() -> None:
            result = direct_client.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
            assert result["AuthenticationResult"]["IdToken"]

        proxy_times, direct_times = [], []
        # The proxy logs one JSON line per request, as in production; into /dev/null here.
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            per_request(through_proxy, 30)
            per_request(direct, 30)
            for _ in range(args.rounds):
                direct_times.append(per_request(direct, args.requests))
                proxy_times.append(per_request(through_proxy, args.requests))
        proxy_ms = statistics.median(proxy_times) * 1000
        direct_ms = statistics.median(direct_times) * 1000
        result = {
            "requests": args.requests * args.rounds,
            "proxy_ms_per_request": round(proxy_ms, 3),
            "direct_boto3_ms_per_request": round(direct_ms, 3),
            "ratio": round(proxy_ms / direct_ms, 3),
        }
        print(f"POST /admin/signin through wsgi.handler : {proxy_ms:8.3f} ms/request")
        print(f"admin_initiate_auth with boto3 directly : {direct_ms:8.3f} ms/request")
        print(f"ratio proxy / direct                    : {proxy_ms / direct_ms:8.3f}")
        print(json.dumps(result))


if __name__ == "__main__":
    main()

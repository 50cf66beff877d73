"""Cold start: fresh processes of the Lambda handler against a direct boto3 baseline.

Each round starts one fresh Python process of each kind, alternating, and reads two
times from it, both measured from the moment the parent launched it (so interpreter
start-up counts, as it does in Lambda):

  import  until `import wsgi` is done (proxy) / until the baseline's imports are done
  answer  until the first /admin/signin is answered through `wsgi.handler` with an
          API Gateway HTTP API event (proxy) / until the same AdminInitiateAuth call made
          directly with boto3 returns (baseline)

The baseline imports flask, boto3, apig_wsgi, jwt and marshmallow, creates the
cognito-idp client and calls admin_initiate_auth: the floor no Python proxy can beat.
Both talk to one moto server on 127.0.0.1 started here. Prints medians and the ratios.

    .venv/bin/python bench/coldstart.py [--rounds 9] [--python .venv-offline/bin/python]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, REGION, app_environment, create_pool

ROOT = Path(__file__).resolve().parent.parent

PROXY = """
import json, os, sys, time
launched = int(os.environ["BENCH_LAUNCHED_NS"])
import wsgi
imported = time.time_ns()
event = {
    "version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": "/admin/signin",
    "rawQueryString": "", "headers": {"content-type": "application/json", "host": "bench"},
    "requestContext": {"http": {"method": "POST", "path": "/admin/signin",
        "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
        "requestId": "bench", "stage": "$default"},
    "body": json.dumps({"username": os.environ["BENCH_USERNAME"],
                        "password": os.environ["BENCH_PASSWORD"]}),
    "isBase64Encoded": False,
}
response = wsgi.handler(event, None)
answered = time.time_ns()
assert response["statusCode"] == 200, response
assert "idToken" in json.loads(response["body"])
print(json.dumps({"import": imported - launched, "answer": answered - launched}))
"""

BASELINE = """
import json, os, time
launched = int(os.environ["BENCH_LAUNCHED_NS"])
import flask, boto3, apig_wsgi, jwt, marshmallow
imported = time.time_ns()
client = boto3.client("cognito-idp", region_name=os.environ["REGION_NAME"],
                      endpoint_url=os.environ["COGNITO_ENDPOINT_URL"])
result = client.admin_initiate_auth(
    UserPoolId=os.environ["COGNITO_USER_POOL_ID"],
    ClientId=os.environ["COGNITO_APP_CLIENT_ID"],
    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": os.environ["BENCH_USERNAME"],
                    "PASSWORD": os.environ["BENCH_PASSWORD"]},
)
answered = time.time_ns()
assert "IdToken" in result["AuthenticationResult"]
print(json.dumps({"import": imported - launched, "answer": answered - launched}))
"""


def _pool(endpoint: str) -> dict[str, str]:
    pool_id, client_id, (username,), _ = create_pool(endpoint)
    return {
        **app_environment(endpoint, pool_id, client_id),
        "BENCH_USERNAME": username,
        "BENCH_PASSWORD": PASSWORD,
    }


def _run(python: str, code: str, env: dict[str, str]) -> dict[str, float]:
    env = {**env, "BENCH_LAUNCHED_NS": str(time.time_ns())}
    result = subprocess.run(
        [python, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{result.stderr}")
    times: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return {name: nanoseconds / 1e6 for name, nanoseconds in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    args = parser.parse_args()

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env: dict[str, Any] = {
            key: value for key, value in os.environ.items() if not key.startswith("COGNITO_")
        }
        env.update(
            _pool(endpoint),
            AWS_DEFAULT_REGION=REGION,
            AWS_LAMBDA_FUNCTION_NAME="cognito-proxy-bench",
            AWS_EC2_METADATA_DISABLED="true",
            LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="",
        )
        # One discarded run of each: bytecode caches written, files in the page cache.
        _run(args.python, PROXY, env)
        _run(args.python, BASELINE, env)
        proxy: list[dict[str, float]] = []
        baseline: list[dict[str, float]] = []
        for _ in range(args.rounds):
            proxy.append(_run(args.python, PROXY, env))
            baseline.append(_run(args.python, BASELINE, env))
    finally:
        server.stop()

    version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"cold start, {args.rounds} fresh processes of each (alternated), Python {version}")
    print("floor: a fresh process that imports flask, boto3, apig_wsgi, jwt and marshmallow,")
    print("       makes a cognito-idp client and calls admin_initiate_auth once")
    print(f"{'':24}{'proxy ms':>10}{'floor ms':>10}{'ratio':>8}")
    labels = {"import": "import wsgi / imports", "answer": "first sign-in answered"}
    result = {}
    for phase in ("import", "answer"):
        mine = statistics.median(run[phase] for run in proxy)
        floor = statistics.median(run[phase] for run in baseline)
        result[phase] = {"proxy_ms": round(mine, 1), "floor_ms": round(floor, 1),
                         "ratio": round(mine / floor, 3)}  # fmt: skip
        print(f"{labels[phase]:24}{mine:10.1f}{floor:10.1f}{mine / floor:8.2f}")
    print(json.dumps({"python": version, "rounds": args.rounds, **result}))


if __name__ == "__main__":
    main()

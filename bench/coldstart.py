"""Cold start: fresh processes of the Lambda handler against a bare Flask app's.

Each round starts one fresh Python process of each kind, alternating, and reads two
times from it, both measured from the moment the parent launched it (so interpreter
start-up counts, as it does in Lambda):

  import  until `import wsgi` is done (proxy) / until the bare app's module is (floor)
  answer  until the first /admin/signin (an API Gateway HTTP API event) is answered

The floor carries nothing of ours: a module that imports flask, boto3 and apig_wsgi,
builds a bare `Flask()` app whose one route reads the JSON body, calls AdminInitiateAuth
with a plain `boto3.client("cognito-idp")` and answers JSON, and wraps it in apig-wsgi's
handler; its client is made after the import, as the proxy's gateway makes its own at
first use. Both answer the same event from one moto server on 127.0.0.1 started here.
Prints medians and the ratios (aim: <= 1.1). For reference, the same bare app importing
marshmallow too (the library the proxy's schemas are written in) runs as a third side:
what the proxy spends above it is its own code's.

With --package ZIP (once or more), the proxy runs from each unzipped package instead of
the working tree, laid out as Lambda lays out /var/task: its folder first on sys.path,
then the interpreter's own site-packages (standing in for the runtime's libraries), and no
bytecode written. Packages that ship boto3 and botocore import them from the zip, with
its hash-checked bytecode; the others from the interpreter, as the runtime's copy.

    .venv/bin/python bench/coldstart.py [--rounds 9] [--python .venv-offline/bin/python]
        [--package .serverless/cognito-proxy.zip ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, REGION, app_environment, create_pool

ROOT = Path(__file__).resolve().parent.parent

# The same sign-in event for both sides, and the same check of the answer.
ANSWER = """
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
response = handler(event, None)
answered = time.time_ns()
assert response["statusCode"] == 200, response
assert "idToken" in json.loads(response["body"])
print(json.dumps({"import": imported - launched, "answer": answered - launched}))
"""

PROXY = (
    """
import json, os, sys, time
launched = int(os.environ["BENCH_LAUNCHED_NS"])
import wsgi
handler = wsgi.handler
imported = time.time_ns()
"""
    + ANSWER
)

BASELINE = (
    """
import json, os, time
launched = int(os.environ["BENCH_LAUNCHED_NS"])
import boto3
from apig_wsgi import make_lambda_handler
from flask import Flask, jsonify, request

app = Flask("bare")

@app.post("/admin/signin")
def sign_in():
    body = request.get_json()
    result = client.admin_initiate_auth(
        UserPoolId=os.environ["COGNITO_USER_POOL_ID"],
        ClientId=os.environ["COGNITO_APP_CLIENT_ID"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": body["username"], "PASSWORD": body["password"]},
    )["AuthenticationResult"]
    return jsonify({"idToken": result["IdToken"], "accessToken": result["AccessToken"]})

handler = make_lambda_handler(app)
imported = time.time_ns()
client = boto3.client("cognito-idp", region_name=os.environ["REGION_NAME"],
                      endpoint_url=os.environ["COGNITO_ENDPOINT_URL"])
"""
    + ANSWER
)

# For reference: the floor importing marshmallow as well.
WITH_MARSHMALLOW = BASELINE.replace("import boto3\n", "import boto3\nimport marshmallow\n", 1)


def _pool(endpoint: str) -> dict[str, str]:
    pool_id, client_id, (username,), _ = create_pool(endpoint)
    return {
        **app_environment(endpoint, pool_id, client_id),
        "BENCH_USERNAME": username,
        "BENCH_PASSWORD": PASSWORD,
    }


def _run(python: str, code: str, env: dict[str, str], cwd: Path = ROOT) -> dict[str, float]:
    env = {**env, "BENCH_LAUNCHED_NS": str(time.time_ns())}
    result = subprocess.run(
        [python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{result.stderr}")
    times: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return {name: nanoseconds / 1e6 for name, nanoseconds in times.items()}


def _botocore_origin(python: str, cwd: Path, env: dict[str, str]) -> str:
    """Where the side's processes import botocore from: the package or the interpreter."""
    result = subprocess.run(
        [python, "-c", "import botocore; print(botocore.__file__)"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return "the package" if Path(result.stdout.strip()).is_relative_to(cwd) else "the interpreter"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    parser.add_argument(
        "--package", action="append", default=[], type=Path,
        help="run the proxy from this unzipped Lambda package (repeat to compare packages)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coldstart-") as unzipped:
        sides: dict[str, Path] = {}
        for number, package in enumerate(args.package):
            folder = Path(unzipped) / str(number)
            with zipfile.ZipFile(package) as archive:
                archive.extractall(folder)
            sides[package.name if package.name not in sides else str(package)] = folder
        # Absolute, since packages run in their own folder; not resolved, to keep the venv.
        python = os.path.abspath(shutil.which(args.python) or args.python)
        _measure(python, args.rounds, sides or {"proxy": ROOT})


def _measure(python: str, rounds: int, sides: dict[str, Path]) -> None:
    """Run each side (a folder the proxy starts in) alternately with the floor; print."""
    packaged = ROOT not in sides.values()
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
        # A package is read-only in Lambda: nothing may write bytecode into it.
        side_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"} if packaged else env
        # One discarded run of each: bytecode caches written, files in the page cache.
        for cwd in sides.values():
            _run(python, PROXY, side_env, cwd)
        _run(python, BASELINE, env)
        _run(python, WITH_MARSHMALLOW, env)
        proxy: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        baseline: list[dict[str, float]] = []
        reference: list[dict[str, float]] = []
        for _ in range(rounds):
            for name, cwd in sides.items():
                proxy[name].append(_run(python, PROXY, side_env, cwd))
            baseline.append(_run(python, BASELINE, env))
            reference.append(_run(python, WITH_MARSHMALLOW, env))
        origins = {name: _botocore_origin(python, cwd, side_env) for name, cwd in sides.items()}
    finally:
        server.stop()

    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"cold start, {rounds} fresh processes of each (alternated), Python {version}")
    print("floor: a fresh process of a bare Flask() app behind apig-wsgi, whose one route")
    print("       calls admin_initiate_auth with a plain boto3 client (aim: ratio <= 1.1)")
    if packaged:
        for name in sides:
            print(f"{name}: the proxy unzipped, botocore from {origins[name]}")
    print(f"{'':24}{'proxy ms':>10}{'floor ms':>10}{'ratio':>8}   for reference: floor")
    print(f"{'':52}+ marshmallow ms, ratio")
    labels = {"import": "import wsgi / imports", "answer": "first sign-in answered"}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in sides:
        if packaged:
            print(name)
        result = results[name] = {}
        for phase in ("import", "answer"):
            mine = statistics.median(run[phase] for run in proxy[name])
            floor = statistics.median(run[phase] for run in baseline)
            libraries = statistics.median(run[phase] for run in reference)
            result[phase] = {
                "proxy_ms": round(mine, 1),
                "floor_ms": round(floor, 1),
                "ratio": round(mine / floor, 3),
                "floor_with_marshmallow_ms": round(libraries, 1),
                "ratio_to_floor_with_marshmallow": round(mine / libraries, 3),
            }
            print(f"{labels[phase]:24}{mine:10.1f}{floor:10.1f}{mine / floor:8.2f}"
                  f"{libraries:16.1f}{mine / libraries:8.2f}")  # fmt: skip
    if packaged:
        print(json.dumps({"python": version, "rounds": rounds, "packages": results}))
    else:
        print(json.dumps({"python": version, "rounds": rounds, **results["proxy"]}))


if __name__ == "__main__":
    main()

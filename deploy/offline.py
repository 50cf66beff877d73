"""`make offline`: the Lambda handler under serverless-offline, against an embedded emulator.

Starts moto's Cognito (local_cognito.mode, as local mode does) on 127.0.0.1, then runs
`serverless offline start` with the pool and client ids as the deploy parameters, so the
request goes the Lambda way: HTTP -> emulated API Gateway (HTTP API, payload 2.0) ->
wsgi.handler in a Python 3.12 virtualenv (.venv-offline) -> moto over HTTP.
Extra arguments are passed to serverless offline (for example --httpPort 3001).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proxy_app.config import Config  # noqa: E402
from local_cognito.mode import LOCAL_CREDENTIALS, start_local_cognito  # noqa: E402

OFFLINE_VENV = ROOT / ".venv-offline"
SERVERLESS = ROOT / "node_modules" / "serverless" / "bin" / "serverless.js"


def main(extra: list[str]) -> int:
    """Run until serverless-offline stops (Ctrl-C stops both)."""
    region = os.environ.get("REGION_NAME", "us-east-1")
    local = start_local_cognito(Config(region=region))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AWS_PROFILE", "AWS_SESSION_TOKEN", "COGNITO_USER_POOL_ID"}
    }
    env.update(
        VIRTUAL_ENV=str(OFFLINE_VENV),
        AWS_ACCESS_KEY_ID=LOCAL_CREDENTIALS[0],
        AWS_SECRET_ACCESS_KEY=LOCAL_CREDENTIALS[1],
        AWS_EC2_METADATA_DISABLED="true",
        COGNITO_ENDPOINT_URL=local.endpoint_url,
    )
    command = [
        "node",
        str(SERVERLESS),
        "offline",
        "start",
        "--param",
        f"RegionParameter={region}",
        "--param",
        f"CognitoUserPoolIdParameter={local.user_pool_id}",
        "--param",
        f"CognitoAppClientIdParameter={local.app_client_id}",
        "--param",
        f"CognitoAutoconfirmUserParameter={os.environ.get('AUTOCONFIRM_USER', 'false')}",
        # serverless-offline creates no CloudFormation resources: the service's table
        # (a `Ref` in serverless.yml) would reach the handler as an unresolved object.
        "--param",
        "TokenRevocationParameter=false",
        *extra,
    ]
    print(
        f"cognito-proxy offline: emulator (moto) at {local.endpoint_url}, "
        f"user pool {local.user_pool_id}, app client {local.app_client_id}; "
        "any confirmation code is accepted; API on http://127.0.0.1:3000 (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - fixed argv, no shell
    try:
        return process.wait()
    except KeyboardInterrupt:
        # The terminal's Ctrl-C reached serverless-offline too; let it stop its handler.
        return process.wait(timeout=15)
    finally:
        local.server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

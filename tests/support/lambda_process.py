"""Python code run in a fresh process configured as the Lambda function is."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT


def run_in_lambda(code: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh process configured as the Lambda function is."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COGNITO_", "LEGACY_"))
    }
    env.update(
        AWS_LAMBDA_FUNCTION_NAME="proxy",
        COGNITO_USER_POOL_ID="us-east-1_AbCdEf123",
        COGNITO_APP_CLIENT_ID="1a2b3c4d5e",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        **environ,
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result

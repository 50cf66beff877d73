"""Property-based fuzzing of every route in the OpenAPI document, with schemathesis.

`st run` (schemathesis's own command, in a child process) sends examples, boundary
(coverage) cases and random positive and negative cases to the app, served over HTTP in
this process against the session's moto server. Every answer must be documented, match its
schema, never be a 5xx, and every error must be problem+json (tests/fuzz_hooks.py, which
also makes positive cases follow the two rules the document can only state in words, and
gives them real tokens). The
run must also end without schemathesis's warnings: "Schema validation mismatch" (an
operation that mostly refused the data the document says is valid) above all, since a
client generated from the document would then validate differently from the API.

`positive_data_acceptance` is off on purpose: the contract answers 400 to schema-valid
input in documented cases (a password the pool's policy refuses, the same field given
differently in the body and a header, Cognito's own InvalidParameter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from conftest import Pool
from fake_cognito import error_answer
from werkzeug.serving import make_server

from proxy_app import create_app

MAX_EXAMPLES = 20
PHASES = "examples,coverage,fuzzing"
RUN_TIMEOUT = 600
TESTS = Path(__file__).parent
# Operations whose schema-valid data Cognito refuses (400) for state the fuzzer cannot
# have: a code sent to an existing user, the pool's password policy, the current password,
# a live session or refresh token.
# Not yet given that state by tests/fuzz_hooks.py, as tokens are; the document is not
# what refuses them. Every other operation must accept some generated data.
NEEDS_STATE = {
    "POST /admin/challenge",
    "POST /admin/challenge/totp",
    "POST /admin/challenge/totp/verify",
    "POST /admin/refresh",
    "POST /confirmsignup",
    "POST /password/confirm",
    "POST /password/change",
    "POST /resendcode",
    "POST /signup",
    "POST /user/attribute/verify",
}
CONFIG = """
[warnings]
fail-on = ["validation_mismatch"]

[checks.positive_data_acceptance]
enabled = false

[checks.negative_data_rejection]
# 413 is how a body over 16 KiB is refused, whatever its members say.
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
"""


def _answer_like_cognito(cognito: Any, pool: Pool) -> Any:
    """Answer the calls moto gets wrong as Cognito does (stubbed): ResendConfirmationCode
    is not implemented by moto, ConfirmForgotPassword for an unknown user is
    ResourceNotFound there but UserNotFound in Cognito, and so is VerifySoftwareToken with
    an unknown session (NotAuthorized in Cognito; the fuzzer's sessions are all unknown),
    and AdminRespondToAuthChallenge too. moto lacks RevokeToken (Cognito answers 200 for a
    refresh token it does not know), GetUserAttributeVerificationCode and
    VerifyUserAttribute (a code the fuzzer guesses is CodeMismatch)."""

    def handler(model: Any, params: dict[str, Any], **_: Any) -> Any:
        http = AWSResponse("http://cognito.invalid", 200, {}, None)
        details = {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
        if model.name == "RevokeToken":
            return http, {"ResponseMetadata": {"HTTPStatusCode": 200}}
        if model.name == "GetUserAttributeVerificationCode":
            return http, {
                "CodeDeliveryDetails": details,
                "ResponseMetadata": {"HTTPStatusCode": 200},
            }
        if model.name == "VerifyUserAttribute":
            return error_answer("CodeMismatchException", "Invalid verification code provided.")
        unknown_session = model.name == "AdminRespondToAuthChallenge" or (
            model.name == "VerifySoftwareToken" and "Session" in json.loads(params["body"])
        )
        if unknown_session:
            return error_answer("NotAuthorizedException", "Invalid session for the user.")
        if model.name not in ("ResendConfirmationCode", "ConfirmForgotPassword"):
            return None
        username = json.loads(params["body"])["Username"]
        try:
            cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        except cognito.exceptions.UserNotFoundException:
            return error_answer("UserNotFoundException", "User does not exist.")
        if model.name == "ConfirmForgotPassword":
            return None
        return http, {"CodeDeliveryDetails": details, "ResponseMetadata": {"HTTPStatusCode": 200}}

    return handler


@dataclass(frozen=True)
class Served:
    url: str
    pool: Pool


@pytest.fixture(scope="module", params=["no-secret", "secret"])
def served_app(
    request: pytest.FixtureRequest, pool: Pool, secret_pool: Pool, cognito: Any
) -> Iterator[Served]:
    """The app over HTTP on a pool whose client has no secret, then on one whose client
    has one (every username then goes through SECRET_HASH)."""
    target = secret_pool if request.param == "secret" else pool
    app = create_app(target.config())
    events = app.extensions["cognito_gateway"].client.meta.events
    events.register("before-call.cognito-idp", _answer_like_cognito(cognito, target))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", target)
    server.shutdown()


def run_schemathesis(served: Served, workdir: Path) -> tuple[dict[str, Any], str]:
    """Run `st run` over every operation; return its JSON report and its console output."""
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    report = workdir / "report.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{served.url}/openapi.json",
        "--phases",
        PHASES,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if os.environ.get("CI"):
        # CI replays the same cases every run, so a landing is never blocked by chance.
        command += ["--seed", "0"]
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz_hooks",
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "FUZZ_ENDPOINT": served.pool.endpoint,
        "FUZZ_POOL_ID": served.pool.id,
        "FUZZ_CLIENT_ID": served.pool.client_id,
        "FUZZ_CLIENT_SECRET": served.pool.client_secret or "",
    }
    finished = subprocess.run(
        command,
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert report.exists(), output
    return json.loads(report.read_text()), output


def test_every_documented_route_survives_fuzzing(served_app: Served, tmp_path: Path) -> None:
    report, output = run_schemathesis(served_app, tmp_path)
    (tmp_path / "st.txt").write_text(output)
    assert report["failures"] == [], output
    assert report["errors"] == [], output
    assert report["operations"]["tested"] == report["operations"]["total"], output
    mismatched = set(report["warnings"]["validation_mismatch"])
    assert mismatched <= NEEDS_STATE, output

"""Property-based fuzzing of every route in the OpenAPI document, with schemathesis.

`st run` (schemathesis's own command, in a child process) sends the document's examples,
boundary (coverage) cases and random positive and negative cases to the app, served over
HTTP in this process against the local emulator (moto behind local_cognito's differences,
so that the calls moto lacks or gets wrong answer as Cognito does, and codes are checked).
Every answer must be documented, match its schema, never be a 5xx, and every error must be
problem+json (tests/fuzz/fuzz_hooks.py, which also makes positive cases follow the rules the
document can only state in words, and gives them the state a real client has: tokens, a
user in the right state, the code from its mail). The run must end without schemathesis's
warnings: "Schema validation mismatch" (an operation that refused all the data the
document says is valid) above all, since a client generated from the document would then
validate differently from the API.

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

import boto3
import pytest
from werkzeug.serving import make_server

from local_cognito import CodeBook, serve
from proxy_app import create_app
from tests.support import ROOT
from tests.support.cognito import REGION, Pool, create_pool

MAX_EXAMPLES = 20
PHASES = "examples,coverage,fuzzing"
RUN_TIMEOUT = 600
CONFIG = """
[warnings]
fail-on = ["validation_mismatch"]

[checks.positive_data_acceptance]
enabled = false

[checks.negative_data_rejection]
# 413 is how a body over 16 KiB is refused, whatever its members say.
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
"""
# Cognito's floor for any pool's policy (MinimumLength is 6 to 99), and nothing more: the
# fuzzer's new passwords are then refused only for what every pool refuses.
FUZZ_POLICY = {
    "MinimumLength": 6,
    "RequireUppercase": False,
    "RequireLowercase": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
}


@dataclass(frozen=True)
class Emulator:
    """The local emulator with strict codes, and the file its codes are "sent" to."""

    endpoint: str
    mailbox: Path


@pytest.fixture(scope="module")
def fuzz_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """moto behind local_cognito's differences (the calls moto lacks or gets wrong answered
    as Cognito does), checking codes: each code it sends is appended to a mailbox file,
    where tests/fuzz/fuzz_hooks.py reads it as a user reads their mail."""
    mailbox = tmp_path_factory.mktemp("fuzz-mail") / "mailbox.txt"
    mailbox.touch()
    lock = threading.Lock()

    def deliver(line: str) -> None:
        with lock, mailbox.open("a", encoding="utf-8") as mail:
            mail.write(line + "\n")

    server = serve(CodeBook(accept_any=False, announce=deliver))
    yield Emulator(server.endpoint_url, mailbox)
    server.stop()


def _fuzz_pool(endpoint: str, *, secret: bool) -> Pool:
    """A pool with the loosest policy Cognito allows, and TOTP MFA required (so that a
    user who sets a new password is asked to set up an authenticator: MFA_SETUP)."""
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool = create_pool(cognito, endpoint, secret=secret, policy=FUZZ_POLICY)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    return pool


@dataclass(frozen=True)
class Served:
    url: str
    pool: Pool
    mailbox: Path


@pytest.fixture(scope="module", params=["no-secret", "secret"])
def served_app(request: pytest.FixtureRequest, fuzz_emulator: Emulator) -> Iterator[Served]:
    """The app over HTTP on a pool whose client has no secret, then on one whose client
    has one (every username then goes through SECRET_HASH)."""
    target = _fuzz_pool(fuzz_emulator.endpoint, secret=request.param == "secret")
    app = create_app(target.config())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", target, fuzz_emulator.mailbox)
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
        "SCHEMATHESIS_HOOKS": "tests.fuzz.fuzz_hooks",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "FUZZ_ENDPOINT": served.pool.endpoint,
        "FUZZ_POOL_ID": served.pool.id,
        "FUZZ_CLIENT_ID": served.pool.client_id,
        "FUZZ_CLIENT_SECRET": served.pool.client_secret or "",
        "FUZZ_MAILBOX": str(served.mailbox),
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
    assert report["phases"]["examples"]["status"] == "success", output
    # No operation mostly refused the data the document calls valid; nor any other warning.
    assert report["warnings"]["validation_mismatch"] == [], output
    assert {name: ops for name, ops in report["warnings"].items() if ops} == {}, output

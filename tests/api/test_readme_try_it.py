"""The README's "Try it" section, run as written: its shell blocks with bash, curl and jq
against local mode over real HTTP (the sign-in's tokens kept in shell variables, the codes
read from /local/codes). Only the port of `API` is changed, to the test server's."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from proxy_app import create_app
from proxy_app.config import Config
from tests.support import ROOT

README_API = "http://127.0.0.1:5000"


@pytest.fixture(scope="module")
def local_port() -> Iterator[int]:
    """A local-mode app (its own emulator) served on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, create_app(Config()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


def try_it_blocks() -> list[str]:
    """The ```sh blocks of the README's "## Try it" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Try it\n") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)


def answers(printed: str) -> list[Any]:
    """The JSON values printed one after another, each ended by a newline."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    while position < len(printed):
        value, end = decoder.raw_decode(printed, position)
        assert printed[end : end + 1] == "\n", f"no newline after {printed[position:end]}"
        values.append(value)
        position = end + 1
    return values


def test_the_try_it_section_runs_as_written(local_port: int, tmp_path: Path) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README's commands need {' and '.join(missing)} on PATH")
    blocks = try_it_blocks()
    assert len(blocks) == 3, blocks
    script = "\n".join(blocks)
    assert script.count(README_API) == 1, "API is set once, to make run's address"
    script = script.replace(README_API, f"http://127.0.0.1:{local_port}")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        # No ~/.curlrc, and no proxy between curl and 127.0.0.1.
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "NO_PROXY": "*"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = answers(result.stdout)
    problems = [value for value in printed if isinstance(value, dict) and "status" in value]
    assert problems == [], problems
    assert printed.count({"confirmed": True}) == 2
    assert printed.count({"passwordReset": True}) == 2
    assert {"attributes": {"name": "Vladimir Budilov"}} in printed
    assert {"attributes": {"name": "Ada Lovelace"}} in printed
    valid = [value for value in printed if isinstance(value, dict) and "valid" in value]
    assert [(v["valid"], v["tokenUse"], v["username"]) for v in valid] == [
        (True, "id", "myemail@email.com"),
        (True, "access", "ada@example.com"),
    ]
    # Both accounts reached the end of their lives: deleted with the kept id token.
    for username, password in [
        ("myemail@email.com", "myPassword**^1"),
        ("ada@example.com", "N3w-password"),
    ]:
        assert _sign_in_status(local_port, username, password) == 401


def _sign_in_status(port: int, username: str, password: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps({"username": username, "password": password})
        connection.request(
            "POST", "/admin/signin", body, headers={"Content-Type": "application/json"}
        )
        return connection.getresponse().status
    finally:
        connection.close()

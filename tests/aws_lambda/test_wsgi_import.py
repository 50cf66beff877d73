"""`import wsgi` is the Lambda cold start: it must not touch the network, nor load the
legacy migration's libraries when no legacy store is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support import ROOT
from tests.support.lambda_process import run_in_lambda

PROBE = textwrap.dedent(
    """
    import socket, sys

    def refuse(*args, **kwargs):
        raise AssertionError(f"network used at import: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import wsgi
    assert callable(wsgi.handler)
    assert "apispec" not in sys.modules, "apispec is needed only for /openapi.json"
    assert "jwt" not in sys.modules, "PyJWT is needed only once a token is verified"
    assert "cryptography" not in sys.modules, "cryptography is needed only for tokens"
    assert "flask_cors" not in sys.modules, "flask-cors is needed only when configured"
    print("ok", wsgi.app.name)
    """
)


def test_import_wsgi_makes_no_network_call() -> None:
    assert run_in_lambda(PROBE).stdout.startswith("ok")


def test_import_wsgi_with_bad_configuration_names_the_variable() -> None:
    env = dict(os.environ, AWS_LAMBDA_FUNCTION_NAME="proxy", COGNITO_USER_POOL_ID="nope")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "COGNITO_USER_POOL_ID" in result.stderr.splitlines()[-1]


# Not bcrypt: cryptography (PyJWT's) imports it by itself when it is installed.
# segno too: only TOTP set-up draws QR codes.
LEGACY_MODULES = ("sqlalchemy", "passlib", "psycopg", "pymysql", "argon2", "segno")
LEGACY_PROBE = textwrap.dedent(
    """
    import json, os, sys
    import wsgi, triggers
    def loaded():
        return sorted({m.split(".")[0] for m in sys.modules} & WATCHED)
    before = loaded()
    if os.environ.get("LEGACY_DATABASE_URL"):
        from proxy_app.config import Config
        from proxy_app.legacy import legacy_source
        legacy_source(Config.legacy_from_env(os.environ))
    print(json.dumps({"before": before, "after": loaded()}))
    """
)


def _legacy_modules(**environ: str) -> dict[str, list[str]]:
    result = run_in_lambda(f"WATCHED = {set(LEGACY_MODULES)!r}" + LEGACY_PROBE, **environ)
    loaded: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_without_legacy_settings_nothing_of_the_legacy_code_is_imported() -> None:
    assert _legacy_modules() == {"before": [], "after": []}


def test_a_legacy_store_loads_its_libraries_only_when_its_source_is_built(tmp_path: Path) -> None:
    """The probe can see them: building a SQL source loads SQLAlchemy and libpass."""
    loaded = _legacy_modules(
        LEGACY_DATABASE_URL=f"sqlite:///{tmp_path / 'legacy.db'}",
        LEGACY_USER_QUERY=(
            "SELECT login AS username, password_hash FROM users WHERE login = :username"
        ),
        REVOCATION_TABLE="cognito-proxy-service",
    )
    assert loaded["before"] == []
    assert {"sqlalchemy", "passlib"} <= set(loaded["after"])


TRIGGER_PROBE = textwrap.dedent(
    """
    import sys
    import triggers
    edges = sorted({"flask", "werkzeug", "click", "marshmallow"} & set(sys.modules))
    print("loaded:", edges)
    """
)


def test_the_trigger_runs_the_core_without_the_http_or_cli_edges() -> None:
    """The trigger asks the same migration policy as the routes, through the core alone."""
    assert run_in_lambda(TRIGGER_PROBE).stdout.strip().splitlines()[-1] == "loaded: []"

"""Local mode: start the emulator (the local_cognito package, imported only here and only
when local mode starts), point the configuration at it and say so once.

This module ships to Lambda, where it is never used; it imports no moto and patches nothing.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from proxy_app.config import Config
from proxy_app.local_state import LocalState, clear_state, state_path, write_state

if TYPE_CHECKING:
    from local_cognito import Emulator

log = logging.getLogger("proxy_app.local")

LOCAL_CREDENTIALS = ("local", "local")
LOCAL_TABLE = "cognito-proxy-local"


def start_local_cognito(config: Config) -> Emulator:
    """Start the local emulator with a user pool and an app client in it."""
    try:
        from local_cognito import start_emulator
    except ImportError as exc:  # pragma: no cover - depends on how the app was installed
        raise RuntimeError(
            "Local mode needs moto and the local_cognito package: pip install -e '.[dev]', "
            "or set COGNITO_USER_POOL_ID"
        ) from exc
    return start_emulator(config.region, accept_any_code=config.local_accept_any_code)


def local_config(config: Config, local: Emulator) -> Config:
    """Point a configuration at the embedded emulator."""
    return config.replace(
        user_pool_id=local.user_pool_id,
        app_client_id=local.app_client_id,
        app_client_secret=None,
        endpoint_url=local.endpoint_url,
        static_credentials=LOCAL_CREDENTIALS,
        records_table=config.records_table or LOCAL_TABLE,
        dynamodb_endpoint_url=local.endpoint_url,
    )


def record_state(config: Config) -> Path | None:
    """Write the state file through which `flask users` finds this emulator; remove it
    when the process ends. None when it cannot be written (local mode runs on)."""
    assert config.endpoint_url and config.user_pool_id and config.app_client_id
    state = LocalState(
        endpoint_url=config.endpoint_url,
        region=config.region,
        user_pool_id=config.user_pool_id,
        app_client_id=config.app_client_id,
        records_table=config.records_table,
        pid=os.getpid(),
    )
    path = state_path()
    try:
        write_state(state, path)
    except OSError as exc:
        log.warning("local mode: cannot write the state file %s: %s", path, exc)
        return None
    atexit.register(clear_state, state.pid, path)
    return path


def print_banner(
    local: Emulator,
    *,
    allow_remote: bool = False,
    accept_any_code: bool = False,
    state_file: Path | None = None,
    demo_page: bool = False,
) -> None:
    """Say, once, that this is local mode and what it means."""
    lines = [
        "cognito-proxy: LOCAL MODE (COGNITO_USER_POOL_ID is not set)",
        f"  embedded Cognito emulator (moto) at {local.endpoint_url}",
        f"  user pool {local.user_pool_id}, app client {local.app_client_id}",
        "  nothing is sent by email or SMS: each code is printed here instead",
        "  (confirmation code for ada@example.com: 123456) and listed at GET /local/codes",
    ]
    if accept_any_code:
        lines.append(
            "  LOCAL_ACCEPT_ANY_CODE=true: any code is accepted (Cognito refuses wrong ones)"
        )
    else:
        lines.append("  a wrong code is refused (CodeMismatch), as Cognito refuses it")
    if demo_page:
        lines.append("  open / in a browser for the demo page, /docs for the API docs")
    if state_file is not None:
        lines.append(f"  state file {state_file}: `flask users` in another terminal acts on")
        lines.append("  this emulator")
    lines += [
        "  data lives in memory and is gone when the process stops",
        "  the emulator signs tokens with a published key: anyone who reaches this",
        "  server can forge a token for any user, so it answers this machine only",
    ]
    if allow_remote:
        lines.append("  LOCAL_MODE_ALLOW_REMOTE=true: other machines are answered too (forgeable!)")
    else:
        lines.append("  (LOCAL_MODE_ALLOW_REMOTE=true lifts that; never on a shared network)")
    width = max(len(line) for line in lines)
    rule = "=" * width
    print("\n".join([rule, *lines, rule]), file=sys.stderr, flush=True)

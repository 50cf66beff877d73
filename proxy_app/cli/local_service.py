"""Where the running local-mode service's emulator is: a small JSON state file.

`make run` (local mode) writes it once its emulator is up and removes it when it stops;
`flask users`, run in another terminal, reads it to act on that same emulator instead of
starting an empty one of its own. Nothing here imports moto: the file is plain JSON.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_FILE_VARIABLE = "LOCAL_STATE_FILE"
DEFAULT_STATE_FILE = ".cognito-proxy/local.json"
_PROBE_SECONDS = 1.0


# The emulator takes any credentials; these say where they came from.
LOCAL_CREDENTIALS = ("local", "local")


@dataclass(frozen=True)
class LocalState:
    """What a second process needs to reach the running service's emulator."""

    endpoint_url: str
    region: str
    user_pool_id: str
    app_client_id: str
    records_table: str | None
    pid: int


def state_path(environ: Mapping[str, str] | None = None) -> Path:
    """The state file: LOCAL_STATE_FILE, else .cognito-proxy/local.json under the cwd."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(STATE_FILE_VARIABLE) or DEFAULT_STATE_FILE)


def write_state(state: LocalState, path: Path | None = None) -> Path:
    """Record where the emulator is (readable by this user only); return the file's path."""
    path = state_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(asdict(state), file)
    os.replace(temporary, path)
    return path


def clear_state(pid: int, path: Path | None = None) -> None:
    """Remove the state file if it is still this process's own."""
    path = state_path() if path is None else path
    state = _load(path)
    if state is not None and state.pid == pid:
        path.unlink(missing_ok=True)


def read_state(path: Path | None = None) -> LocalState | None:
    """The running emulator, or None when there is no file, its process is gone, or the
    emulator does not answer (a stale file left by a killed process)."""
    path = state_path() if path is None else path
    state = _load(path)
    if state is None or not _process_alive(state.pid) or not _answers(state.endpoint_url):
        return None
    return state


def _load(path: Path) -> LocalState | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state = LocalState(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(state.pid, int) or not state.endpoint_url.startswith("http://127.0.0.1:"):
        return None
    return state


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(endpoint_url: str) -> bool:
    try:
        # http://127.0.0.1 only: _load refuses any other endpoint.
        probe = f"{endpoint_url}/moto-api/"
        with urllib.request.urlopen(probe, timeout=_PROBE_SECONDS):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True  # it answered, whatever it said
    except (OSError, ValueError):
        return False

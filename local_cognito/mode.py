"""Local mode: start the emulator, point the configuration at it, say so once, serve
/local/codes and answer this machine only.

`create_app` imports this module when the configuration says local mode, never in Lambda
(Config refuses local mode there, and local_cognito is not in the zip).
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import re
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, request

from proxy_app.cli.local_service import (
    LOCAL_CREDENTIALS,
    LocalState,
    clear_state,
    state_path,
    write_state,
)
from proxy_app.config import MAX_PORT, Config
from proxy_app.http.problems import ApiError, forbidden

if TYPE_CHECKING:
    from local_cognito import Emulator

log = logging.getLogger("proxy_app.local")

LOCAL_TABLE = "cognito-proxy-local"
# A Host header, lower-cased: a bracketed IPv6 address or a name of letters, digits and
# dots, then an optional port of digits. Anything else (user info, a second colon, a
# space, a list of hosts) is no Host this machine answers to.
_HOST = re.compile(r"(?P<name>\[[0-9a-f:]+\]|[a-z0-9.]+)(?::(?P<port>[0-9]{1,5}))?")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_IPV6_LOOPBACK = ipaddress.IPv6Address("::1")
_REFUSED_REMOTE = "Set LOCAL_MODE_ALLOW_REMOTE=true to lift this (never on a shared network)."


@dataclass(frozen=True)
class LocalMode:
    """A started emulator, and the configuration that points the app at it."""

    emulator: Emulator
    config: Config

    def attach(self, app: Flask) -> None:
        """Serve /local/codes, and (unless LOCAL_MODE_ALLOW_REMOTE) this machine only."""
        from local_cognito.routes import register_local_routes

        register_local_routes(app, self.emulator.codes)
        if not self.config.local_mode_allow_remote:
            app.before_request(answer_this_machine_only)


def start_local_mode(config: Config, *, demo_page: bool) -> LocalMode:
    """Start the emulator, point a configuration at it and say so on the console."""
    local = start_local_cognito(config)
    config = local_config(config, local)
    flask_run = options_of_flask_run()
    if flask_run is not None:
        # The process is flask run's (make run's): it may decide what SIGTERM does.
        stop_on_sigterm()
    print_banner(
        local,
        allow_remote=config.local_mode_allow_remote,
        accept_any_code=config.local_accept_any_code,
        state_file=record_state(config),
        demo_page=demo_page,
        served_at=None if flask_run is None else served_at(flask_run),
    )
    return LocalMode(local, config)


def options_of_flask_run() -> dict[str, Any] | None:
    """The options of the `flask run` command loading this app (make run's --host and
    --port), or None under any other server or caller (gunicorn, a test, a script)."""
    context = click.get_current_context(silent=True)
    if context is None or context.command.name != "run":
        return None
    return context.params


def served_at(options: dict[str, Any]) -> str | None:
    """The URL `flask run` serves at with these options, None for port 0 (any port).

    `flask run` loads the app before it binds, so the URL comes from its options; werkzeug
    then binds that port, or stops with an error that says the port is in use.
    """
    host, port = options.get("host"), options.get("port")
    if not isinstance(host, str) or not isinstance(port, int) or port == 0:
        return None
    # A browser reaches a server bound to every address at the loopback one.
    if host in ("", "0.0.0.0"):  # noqa: S104 - a bound address, read, not bound here
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if options.get("cert") else "http"
    return f"{scheme}://{host}:{port}"


def start_local_cognito(config: Config) -> Emulator:
    """Start the local emulator with a user pool and an app client in it."""
    try:
        from local_cognito import start_emulator
    except ImportError as exc:  # pragma: no cover - depends on how the app was installed
        raise RuntimeError(
            "Local mode needs moto and the local_cognito package: pip install -e '.[dev]', "
            "or set COGNITO_USER_POOL_ID"
        ) from exc
    return start_emulator(
        config.region,
        accept_any_code=config.local_accept_any_code,
        case_sensitive=config.local_pool_case_sensitive,
        username_attributes=config.local_pool_username_attributes,
    )


def answer_this_machine_only() -> None:
    """Refuse (403) any client but this machine, and any Host but a loopback name.

    The emulator signs tokens with a published key. A DNS-rebinding page (a public name
    that resolves to 127.0.0.1) comes from this machine's browser, but under its own name.
    """
    if not _is_loopback_address(request.remote_addr or ""):
        raise _refused(
            "Local mode answers this machine only: its emulator signs tokens with a "
            f"published key. {_REFUSED_REMOTE}"
        )
    environ = request.environ
    host = environ.get("HTTP_HOST")
    # HTTP/1.0 may leave Host out; a browser never does, so a rebinding page cannot.
    if host is None and environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
        return
    if host is None or not is_loopback_host(host):
        raise _refused(
            "Local mode answers only under a loopback name in the Host header (localhost, "
            "127.0.0.1 or another 127.x.y.z, [::1], with or without a port): a page under "
            f"another name that resolves here (DNS rebinding) must not read it. {_REFUSED_REMOTE}"
        )


def is_loopback_host(host: str) -> bool:
    """True for a Host header naming this machine: localhost, 127.x.y.z or [::1] in any
    case, with or without a port. A trailing dot, a subdomain or an alias is refused."""
    match = _HOST.fullmatch(host.lower()) if host.isascii() else None
    if match is None or (match["port"] is not None and int(match["port"]) > MAX_PORT):
        return False
    name = match["name"]
    if name == "localhost":
        return True
    try:
        if name.startswith("["):
            return ipaddress.IPv6Address(name[1:-1]) == _IPV6_LOOPBACK
        return _IPV4.fullmatch(name) is not None and ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False


def _is_loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refused(detail: str) -> ApiError:
    return forbidden("local_mode_remote", detail)


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


def stop_on_sigterm() -> None:
    """Let SIGTERM (a plain `kill`) end the process as Ctrl-C does, through the exit hooks
    that remove the state file; by default SIGTERM ends it at once and leaves the file.

    Only where nothing else handles SIGTERM yet, and from the main thread, the only one
    Python lets set a handler.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Unwinds the main thread (werkzeug closes its socket) and runs the atexit hooks; the
    # exit status is a shell's for a process ended by the signal.
    raise SystemExit(128 + signum)


def print_banner(
    local: Emulator,
    *,
    allow_remote: bool = False,
    accept_any_code: bool = False,
    state_file: Path | None = None,
    demo_page: bool = False,
    served_at: str | None = None,
) -> None:
    """Say, once, that this is local mode and what it means; `served_at`: the app's URL,
    when known (flask run)."""
    lines = [
        "cognito-proxy: LOCAL MODE (COGNITO_USER_POOL_ID is not set)",
        f"  embedded Cognito emulator (moto) at {local.endpoint_url}",
        f"  user pool {local.user_pool_id}, app client {local.app_client_id}",
        *_pool_kind(local),
        "  nothing is sent by email or SMS: each code is printed here instead",
        "  (confirmation code for ada@example.com: 123456) and listed at GET /local/codes",
    ]
    if accept_any_code:
        lines.append(
            "  LOCAL_ACCEPT_ANY_CODE=true: any code is accepted (Cognito refuses wrong ones)"
        )
    else:
        lines.append("  a wrong code is refused (CodeMismatch), as Cognito refuses it")
    if demo_page and served_at is not None:
        lines.append(f"  demo page: {served_at}/ (open it in a browser)")
        lines.append(f"  API docs:  {served_at}/docs")
    elif demo_page:
        lines.append("  open / in a browser for the demo page, /docs for the API docs")
    elif served_at is not None:
        lines.append(f"  serving at {served_at}")
    if state_file is not None:
        lines.append(f"  state file {state_file}: `flask users` in another terminal acts on")
        lines.append("  this emulator")
    lines += [
        "  data lives in memory and is gone when the process stops",
        "  the emulator signs tokens with a published key: anyone who reaches this",
        "  server can forge a token for any user, so it answers this machine only, and",
        "  only as localhost, 127.0.0.1 or [::1] (a page under another name is refused)",
    ]
    if allow_remote:
        lines.append(
            "  LOCAL_MODE_ALLOW_REMOTE=true: other machines and other names are answered too"
        )
        lines.append("  (forgeable!)")
    else:
        lines.append("  (LOCAL_MODE_ALLOW_REMOTE=true lifts that; never on a shared network)")
    width = max(len(line) for line in lines)
    rule = "=" * width
    print("\n".join([rule, *lines, rule]), file=sys.stderr, flush=True)


def _pool_kind(local: Emulator) -> list[str]:
    """The banner's lines on the pool: how usernames compare, what users sign in with."""
    if local.case_sensitive:
        lines = ["  pool: case-sensitive usernames (LOCAL_POOL_CASE_SENSITIVE=true)"]
    else:
        lines = [
            "  pool: case-insensitive usernames, as AWS recommends",
            "  (LOCAL_POOL_CASE_SENSITIVE=true for a case-sensitive one)",
        ]
    if "email" in local.username_attributes:
        lines.append("  users sign in by email, and each username is an id the pool generates")
        lines.append("  (LOCAL_POOL_USERNAME_ATTRIBUTES=email)")
    else:
        lines.append("  users sign in by username (LOCAL_POOL_USERNAME_ATTRIBUTES=email: by email)")
    return lines

"""Logs: one JSON line per request, and never a password, token or code."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Pool, unique_username
from hypothesis import given, settings
from hypothesis import strategies as st
from test_password import _reset_code

from proxy_app.http.logs import _ENCODER, StderrHandler, _sole_handler, request_line

PASSWORD = "Secr3t-Passw0rd-XYZ"
NEW_PASSWORD = "An0ther-Secr3t-QRS"
SIGNUP_CODE = "CODE-4711-SIGNUP"
TEMPORARY_PASSWORD = "Tempor4ry-Secr3t-TUV"
CHALLENGE_PASSWORD = "Chall3nge-Secr3t-WXY"


@pytest.mark.parametrize("path", ["written directly", "through logging"])
def test_a_whole_flow_logs_no_secret(
    make_app: Any,
    cognito: Any,
    pool: Pool,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    with contextlib.ExitStack() as stack:
        if path == "written directly":
            stack.enter_context(production_logging())
        caplog.set_level(logging.DEBUG)
        backend_secret = "Autoc0nfirm-Secr3t-" + "Z" * 20
        client = make_app(log_level="DEBUG").test_client()
        trusted = make_app(
            log_level="DEBUG", autoconfirm_user=True, autoconfirm_secret=backend_secret
        ).test_client()
        # Which way the request lines go: pytest hangs its own capture handlers on every
        # logger that does not propagate, which sends them through the logging module.
        assert (_sole_handler() is not None) == (path == "written directly")
        username = unique_username()
        secrets = [PASSWORD, NEW_PASSWORD, SIGNUP_CODE, backend_secret]

        assert (
            client.post("/signup", headers={"username": username, "password": PASSWORD}).status_code
            == 201
        )
        for secret in (backend_secret, backend_secret + "-WRONG"):
            trusted.post(
                "/signup",
                json={"username": unique_username(), "password": PASSWORD},
                headers={"X-Autoconfirm-Secret": secret},
            )
        assert (
            client.post(
                "/confirmsignup", json={"username": username, "confirmationCode": SIGNUP_CODE}
            ).status_code
            == 200
        )
        assert (
            client.post(
                "/admin/signin", json={"username": username, "password": "Wr0ng-Passw0rd-NOPE"}
            ).status_code
            == 401
        )
        secrets.append("Wr0ng-Passw0rd-NOPE")
        tokens = client.post(
            "/admin/signin", json={"username": username, "password": PASSWORD}
        ).json
        secrets += [tokens["idToken"], tokens["accessToken"], tokens["refreshToken"]]
        refreshed = client.post(
            "/admin/refresh", headers={"refreshToken": tokens["refreshToken"]}
        ).json
        secrets += [refreshed["idToken"], refreshed["accessToken"]]
        assert client.get("/token/valid", headers={"idToken": tokens["idToken"]}).status_code == 200
        assert (
            client.get("/token/valid", headers={"idToken": tokens["idToken"] + "x"}).status_code
            == 401
        )
        assert (
            client.post(
                "/admin/user/attribute",
                json={
                    "idToken": tokens["idToken"],
                    "attributeName": "name",
                    "attributeValue": "Ada",
                },
            ).status_code
            == 200
        )
        assert client.post("/password/reset", json={"username": username}).status_code == 200
        code = _reset_code(pool, username)
        secrets.append(code)
        assert (
            client.post(
                "/password/confirm",
                json={"username": username, "password": NEW_PASSWORD, "confirmationCode": code},
            ).status_code
            == 200
        )
        assert (
            client.delete("/admin/user", headers={"idToken": tokens["idToken"]}).status_code == 204
        )

        invited = unique_username()
        cognito.admin_create_user(
            UserPoolId=pool.id,
            Username=invited,
            TemporaryPassword=TEMPORARY_PASSWORD,
            MessageAction="SUPPRESS",
        )
        secrets += [TEMPORARY_PASSWORD, CHALLENGE_PASSWORD]
        challenge = client.post(
            "/admin/signin", json={"username": invited, "password": TEMPORARY_PASSWORD}
        ).json
        secrets.append(challenge["session"])
        answered = client.post(
            "/admin/challenge",
            json={
                "username": invited,
                "challengeName": challenge["challengeName"],
                "session": challenge["session"],
                "responses": {"NEW_PASSWORD": CHALLENGE_PASSWORD},
            },
        )
        assert answered.status_code == 200
        secrets += [answered.json["idToken"], answered.json["accessToken"]]

        logged = capsys.readouterr().err + caplog.text
        request_lines = [
            json.loads(line) for line in logged.splitlines() if '"proxy_app.request"' in line
        ]
        assert len(request_lines) == 15
        for line in request_lines:
            assert {"requestId", "method", "path", "status", "latencyMs", "cognitoError"} <= set(
                line
            )
        assert any(line["cognitoError"] == "NotAuthorizedException" for line in request_lines)
        for secret in secrets:
            assert secret not in logged
            # Tokens are long: no recognisable part of one either.
            if len(secret) > 100:
                for part in secret.split("."):
                    assert part[:40] not in logged


@contextlib.contextmanager
def production_logging() -> Iterator[None]:
    """proxy_app's loggers as in production: our stderr handler alone on them.

    pytest attaches its capture handlers to every logger that does not propagate, and
    with them the request line takes the logging module's way, not the direct one.
    """
    app_logger = logging.getLogger("proxy_app")
    foreign = [h for h in app_logger.handlers if not isinstance(h, StderrHandler)]
    for handler in foreign:
        app_logger.removeHandler(handler)
    try:
        yield
    finally:
        for handler in foreign:
            app_logger.addHandler(handler)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _request_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if '"proxy_app.request"' in line]


def test_the_request_line_written_directly_is_the_logging_modules_line(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """With only our handler listening the line is written without a LogRecord; with
    another handler on the way it goes through the logging module. Both lines agree."""
    client = make_app().test_client()
    with production_logging():
        assert _sole_handler() is not None
        capsys.readouterr()
        client.get("/nowhere", headers={"X-Request-Id": "client-1"})
        (direct,) = _request_lines(capsys.readouterr().err)

        extra = _Collect()
        logging.getLogger("proxy_app.request").addHandler(extra)
        try:
            assert _sole_handler() is None
            client.get("/nowhere", headers={"X-Request-Id": "client-1"})
        finally:
            logging.getLogger("proxy_app.request").removeHandler(extra)
    (through_logging,) = _request_lines(capsys.readouterr().err)
    (record,) = extra.records
    assert record.getMessage() == "request" and record.__dict__["status"] == 404

    assert list(direct) == list(through_logging)  # same members, same order
    for line in (direct, through_logging):
        assert line["time"].endswith("Z") and len(line["time"]) == len("2026-01-01T00:00:00.000Z")
        assert isinstance(line["latencyMs"], float)
    changing = {"time", "latencyMs", "requestId"}
    assert {k: v for k, v in direct.items() if k not in changing} == {
        k: v for k, v in through_logging.items() if k not in changing
    }
    assert direct["clientRequestId"] == "client-1" and direct["errorCode"] == "NotFound"


@pytest.mark.parametrize("where", ["app logger", "request logger filter", "handler level"])
def test_anything_else_listening_gets_the_request_line_through_logging(
    make_app: Any, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    client = make_app().test_client()
    app_logger = logging.getLogger("proxy_app")
    request_logger = logging.getLogger("proxy_app.request")
    (ours,) = [h for h in app_logger.handlers if isinstance(h, StderrHandler)]
    seen: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        seen.append(record)
        return True

    extra = _Collect()
    with production_logging(), contextlib.ExitStack() as undo:
        assert _sole_handler() is ours
        if where == "app logger":
            app_logger.addHandler(extra)
            undo.callback(app_logger.removeHandler, extra)
        elif where == "request logger filter":
            request_logger.addFilter(keep)
            undo.callback(request_logger.removeFilter, keep)
        else:
            ours.setLevel(logging.WARNING)  # an operator quietened it: no request lines
            undo.callback(ours.setLevel, logging.NOTSET)
        assert _sole_handler() is None
        capsys.readouterr()
        client.get("/nowhere")
    lines = _request_lines(capsys.readouterr().err)
    if where == "app logger":
        assert len(lines) == 1 and [r.getMessage() for r in extra.records] == ["request"]
    elif where == "request logger filter":
        assert len(lines) == 1 and len(seen) == 1
    else:
        assert lines == []


_FIELD_VALUES = st.one_of(
    st.none(),
    st.text(),  # any code point, lone surrogates and control characters included
    st.integers(),
    st.floats(),  # nan and the infinities too
    st.booleans(),
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    time_text=st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z\Z"),
    fields=st.dictionaries(
        st.text(max_size=12).filter(lambda k: k not in {"time", "level", "logger", "message"}),
        _FIELD_VALUES,
        max_size=10,
    ),
)
def test_the_direct_request_line_is_the_formatters_line_character_for_character(
    time_text: str, fields: dict[str, Any]
) -> None:
    """The line written without a LogRecord is what JsonFormatter's encoder writes."""
    entry = {"time": time_text, "level": "INFO", "logger": "proxy_app.request"}
    expected = _ENCODER.encode({**entry, "message": "request", **fields}) + "\n"
    assert request_line(time_text, fields) == expected

"""Local mode: no pool configured starts the embedded emulator; never inside Lambda.
Through the app: strict codes end to end, LOCAL_ACCEPT_ANY_CODE, unknown users,
unconfirmed sign-in, GET /local/codes, the state file, loopback Host names only, and the
local pool's settings. Served by `flask run` (make run): the URLs in the banner, HOST and
PORT, and SIGTERM, in a real process."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from flask.cli import run_command
from flask.testing import FlaskClient

from local_cognito.codes import Purpose
from local_cognito.mode import served_at
from proxy_app import create_app
from proxy_app.cli.local_service import clear_state, read_state
from proxy_app.config import Config, ConfigError
from tests.support import ROOT
from tests.support.app import problem
from tests.support.network import closed_port

PASSWORD = "passw0rdlong"
CONSOLE_LINE = re.compile(r"^(?P<label>.+) for (?P<username>\S+): (?P<code>\d{6})$", re.M)


def test_no_pool_starts_the_emulator_and_prints_one_banner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = create_app(Config())
    banner = capsys.readouterr().err
    assert banner.count("LOCAL MODE") == 1
    config = app.config["PROXY"]
    assert config.user_pool_id in banner
    assert config.app_client_id in banner
    assert "any code is accepted" not in banner
    assert "each code is printed here" in banner
    assert "/local/codes" in banner
    assert config.endpoint_url.startswith("http://127.0.0.1:")
    client = app.test_client()
    response = client.post("/signup", json={"username": "ada", "password": "passw0rdlong"})
    assert response.status_code == 201
    resend = client.post("/resendcode", json={"username": "ada"})
    assert resend.status_code == 200
    assert resend.json["codeDeliveryDetails"]["deliveryMedium"] == "SMS"
    unknown = client.post("/resendcode", json={"username": "nobody"})
    assert unknown.status_code == 401


def test_inside_lambda_a_missing_pool_is_a_start_up_error() -> None:
    with pytest.raises(ConfigError) as raised:
        create_app(Config(in_lambda=True))
    assert raised.value.variable == "COGNITO_USER_POOL_ID"
    assert "Lambda" in str(raised.value)


def test_inside_lambda_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "proxy")
    with pytest.raises(ConfigError, match="COGNITO_USER_POOL_ID"):
        create_app()


def test_sign_up_with_an_email_reports_an_email_delivery() -> None:
    client = create_app(Config()).test_client()
    response = client.post(
        "/signup", json={"username": "ada@example.com", "password": "passw0rdlong"}
    )
    assert response.status_code == 201
    details = response.json["codeDeliveryDetails"]
    assert details["deliveryMedium"] == "EMAIL"
    assert details["destination"] == "a***@e***"


@pytest.fixture
def local(local_app: Flask) -> FlaskClient:
    return local_app.test_client()


def _printed_code(err: str, username: str, label: str = "confirmation code") -> str:
    codes = [
        m["code"]
        for m in CONSOLE_LINE.finditer(err)
        if m["username"] == username and m["label"] == label
    ]
    assert codes, err
    return codes[-1]


def _sign_up(client: FlaskClient, username: str) -> None:
    response = client.post("/signup", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.json


class TestStrictCodes:
    def test_sign_up_confirm_and_reset_with_the_printed_codes_only(
        self,
        local: FlaskClient,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        username = "grace@example.com"
        _sign_up(local, username)
        code = _printed_code(capsys.readouterr().err, username)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        refused = local.post(
            "/confirmsignup", json={"username": username, "confirmationCode": wrong}
        )
        problem(refused, 400, "CodeMismatch")
        listed = local.get(f"/local/codes?username={username}").json["codes"]
        assert [(c["purpose"], c["code"]) for c in listed] == [("signup", code)]
        confirmed = local.post(
            "/confirmsignup", json={"username": username, "confirmationCode": code}
        )
        assert confirmed.json == {"confirmed": True}
        assert local.get(f"/local/codes?username={username}").json["codes"] == []

        assert local.post("/password/reset", json={"username": username}).status_code == 200
        reset = _printed_code(capsys.readouterr().err, username, "password reset code")
        body = {"username": username, "password": "n3wpassw0rd", "confirmationCode": wrong}
        problem(local.post("/password/confirm", json=body), 400, "CodeMismatch")
        body["confirmationCode"] = reset
        assert local.post("/password/confirm", json=body).json == {"passwordReset": True}
        signed_in = local.post(
            "/admin/signin", json={"username": username, "password": "n3wpassw0rd"}
        )
        assert signed_in.status_code == 200
        # Printed for the developer, never written to the app's log.
        assert code not in caplog.text and reset not in caplog.text

    def test_an_unconfirmed_user_with_the_right_password_is_403(self, local: FlaskClient) -> None:
        _sign_up(local, "hedy@example.com")
        right = local.post(
            "/admin/signin", json={"username": "hedy@example.com", "password": PASSWORD}
        )
        problem(right, 403, "UserNotConfirmed")
        wrong = {"username": "hedy@example.com", "password": "wr0ngpassword"}
        problem(local.post("/admin/signin", json=wrong), 401, "NotAuthorized")


class TestUnknownUsers:
    def test_password_confirm_is_400_code_mismatch(self, local: FlaskClient) -> None:
        headers = {"username": "p", "password": "p", "confirmationCode": "p"}
        problem(local.post("/password/confirm", headers=headers), 400, "CodeMismatch")

    def test_confirm_sign_up_is_400_code_mismatch(self, local: FlaskClient) -> None:
        body = {"username": "nobody", "confirmationCode": "123456"}
        problem(local.post("/confirmsignup", json=body), 400, "CodeMismatch")

    @pytest.mark.parametrize(
        ("challenge", "responses"),
        [
            ("SMS_MFA", {"SMS_MFA_CODE": "123456"}),
            ("SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": "123456"}),
            ("NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": PASSWORD}),
        ],
    )
    def test_admin_challenge_is_401_not_authorized(
        self, local: FlaskClient, challenge: str, responses: dict[str, str]
    ) -> None:
        body = {
            "username": "nobody",
            "challengeName": challenge,
            "session": "x" * 40,
            "responses": responses,
        }
        problem(local.post("/admin/challenge", json=body), 401, "NotAuthorized")


def test_accept_any_code_keeps_the_old_laxness(capsys: pytest.CaptureFixture[str]) -> None:
    client = create_app(Config(local_accept_any_code=True)).test_client()
    assert "LOCAL_ACCEPT_ANY_CODE=true" in capsys.readouterr().err
    _sign_up(client, "ida@example.com")
    body = {"username": "ida@example.com", "confirmationCode": "any"}
    assert client.post("/confirmsignup", json=body).json == {"confirmed": True}


def test_accept_any_code_from_the_environment() -> None:
    assert Config.from_env({"LOCAL_ACCEPT_ANY_CODE": "true"}).local_accept_any_code is True
    assert Config.from_env({}).local_accept_any_code is False
    with pytest.raises(ConfigError, match="LOCAL_ACCEPT_ANY_CODE"):
        Config.from_env({"LOCAL_ACCEPT_ANY_CODE": "maybe"})


class TestLocalCodes:
    def test_lists_codes_newest_first_with_their_fields(self, local: FlaskClient) -> None:
        _sign_up(local, "joan@example.com")
        assert local.post("/resendcode", json={"username": "joan@example.com"}).status_code == 200
        _sign_up(local, "kay@example.com")
        answer = local.get("/local/codes")
        assert answer.json["order"] == "newest first"
        codes = answer.json["codes"]
        assert [c["username"] for c in codes[:2]] == ["kay@example.com", "joan@example.com"]
        # The resent code replaced the first one.
        assert [c["username"] for c in codes].count("joan@example.com") == 1
        first = codes[0]
        assert set(first) == {
            "username",
            "purpose",
            "for",
            "attribute",
            "code",
            "destination",
            "sentAt",
        }
        assert first["purpose"] == "signup" and first["attribute"] is None
        assert first["for"] == "sign-up confirmation: POST /confirmsignup"
        assert re.fullmatch(r"\d{6}", first["code"])
        assert first["destination"] == "k***@e***"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["sentAt"])

    def test_an_invitations_temporary_password_is_listed_and_signs_in(
        self, local_app: Flask, local: FlaskClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        username = "mae@example.com"
        local_app.extensions["cognito_gateway"].create_user(username, {"email": username})
        listed = local.get(f"/local/codes?username={username}").json["codes"]
        assert [c["purpose"] for c in listed] == ["temporary_password"]
        assert listed[0]["for"].startswith("temporary password of an invitation: ")
        password = listed[0]["code"]
        assert f"temporary password for {username}: {password}\n" in capsys.readouterr().err
        signed_in = local.post("/admin/signin", json={"username": username, "password": password})
        assert signed_in.json["challengeName"] == "NEW_PASSWORD_REQUIRED", signed_in.json

    def test_flask_users_create_says_where_the_temporary_password_is(
        self, local_app: Flask, local: FlaskClient
    ) -> None:
        result = local_app.test_cli_runner().invoke(
            args=["users", "create", "ula@example.com", "-a", "email=ula@example.com"]
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1] == (
            "invited: the temporary password is printed on the console of `make run` and "
            "listed at GET /local/codes?username=ula@example.com"
        )
        listed = local.get("/local/codes?username=ula@example.com").json["codes"]
        assert [c["purpose"] for c in listed] == ["temporary_password"]

    def test_an_sms_sign_in_code_is_listed_and_signs_in(
        self, local_app: Flask, local: FlaskClient
    ) -> None:
        config = local_app.config["PROXY"]
        idp = _idp(config.endpoint_url)
        username = "nan@example.com"
        _sign_up(local, username)
        idp.admin_confirm_sign_up(UserPoolId=config.user_pool_id, Username=username)
        idp.admin_update_user_attributes(
            UserPoolId=config.user_pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "phone_number", "Value": "+15550104477"},
                {"Name": "phone_number_verified", "Value": "true"},
            ],
        )
        idp.admin_set_user_mfa_preference(
            UserPoolId=config.user_pool_id,
            Username=username,
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        challenge = local.post("/admin/signin", json={"username": username, "password": PASSWORD})
        assert challenge.json["challengeName"] == "SMS_MFA", challenge.json
        listed = local.get(f"/local/codes?username={username}").json["codes"]
        assert (listed[0]["purpose"], listed[0]["destination"]) == ("sms_mfa", "+*******4477")
        assert listed[0]["for"] == "SMS MFA at sign-in: POST /admin/challenge (SMS_MFA)"
        answer = {
            "username": username,
            "challengeName": "SMS_MFA",
            "session": challenge.json["session"],
            "responses": {"SMS_MFA_CODE": listed[0]["code"]},
        }
        assert "accessToken" in local.post("/admin/challenge", json=answer).json

    def test_codes_of_each_purpose_and_attribute_say_what_they_are_for(
        self, local_app: Flask, local: FlaskClient
    ) -> None:
        username = "ola@example.com"
        book = local_app.extensions["local_codes"]
        for purpose in Purpose:
            book.send(username, purpose, "o***@e***")
        book.send(username, Purpose.ATTRIBUTE_VERIFICATION, "+*******0000", "phone_number")
        listed = local.get(f"/local/codes?username={username}").json["codes"]
        uses = {(c["purpose"], c["attribute"]): c["for"] for c in listed}
        assert len(uses) == len(Purpose) + 1
        assert len(set(uses.values())) == len(uses), uses  # no two alike
        assert uses["password_reset", None] == "password reset: POST /password/confirm"
        assert uses["attribute_verification", "phone_number"] == (
            "phone_number verification: POST /user/attribute/verify"
        )
        # Newest first: the last one sent leads.
        assert listed[0]["attribute"] == "phone_number"

    def test_an_unknown_username_lists_nothing(self, local: FlaskClient) -> None:
        assert local.get("/local/codes?username=nobody").json == {
            "order": "newest first",
            "codes": [],
        }

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("username=", "username"),
            ("username=" + "a" * 129, "username"),
            ("username=%FF", "query"),
            ("username=a%00b", "username"),
            ("username=a&username=b", "username"),
            ("user=a", "user"),
        ],
        ids=["empty", "too-long", "not-utf8", "control", "repeated", "unknown"],
    )
    def test_bad_queries_are_400(self, local: FlaskClient, query: str, field: str) -> None:
        body = problem(local.get(f"/local/codes?{query}"), 400, "ValidationFailed")
        assert field in body["errors"]

    def test_only_get(self, local: FlaskClient) -> None:
        assert local.post("/local/codes").status_code == 405

    def test_not_served_outside_local_mode(self, client: FlaskClient) -> None:
        problem(client.get("/local/codes"), 404, "NotFound")

    def test_other_machines_are_refused(self, local: FlaskClient) -> None:
        response = local.get("/local/codes", environ_base={"REMOTE_ADDR": "192.0.2.7"})
        problem(response, 403, "Forbidden")

    def test_not_in_the_openapi_document(self, local: FlaskClient) -> None:
        assert "/local/codes" not in local.get("/openapi.json").json["paths"]


class TestStateFile:
    @pytest.fixture
    def state_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
        path = tmp_path / "local.json"
        monkeypatch.setenv("LOCAL_STATE_FILE", str(path))
        yield path

    def test_written_once_the_emulator_is_up_and_named_in_the_banner(
        self, state_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        app = create_app(Config())
        assert str(state_file) in capsys.readouterr().err
        config = app.config["PROXY"]
        raw: dict[str, Any] = json.loads(state_file.read_text())
        assert raw["pid"] == os.getpid()
        assert raw["endpoint_url"] == config.endpoint_url
        assert raw["user_pool_id"] == config.user_pool_id
        assert raw["app_client_id"] == config.app_client_id
        assert raw["records_table"] == config.records_table
        assert state_file.stat().st_mode & 0o777 == 0o600
        state = read_state(state_file)
        assert state is not None and state.endpoint_url == config.endpoint_url

    def test_removed_by_the_exit_hook(
        self, state_file: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        registered: list[tuple[Any, ...]] = []
        monkeypatch.setattr("atexit.register", lambda *args: registered.append(args))
        create_app(Config())
        assert state_file.exists()
        assert registered == [(clear_state, os.getpid(), state_file)]
        hook, *args = registered[0]
        hook(*args)
        assert not state_file.exists()

    def test_an_unwritable_place_does_not_stop_local_mode(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        monkeypatch.setenv("LOCAL_STATE_FILE", str(blocker / "local.json"))
        app = create_app(Config())
        assert app.test_client().get("/health").status_code == 200
        assert "cannot write the state file" in caplog.text


# Host headers local mode answers: a loopback name in any case, with or without a port.
LOOPBACK_HOSTS = [
    "localhost",
    "localhost:5000",
    "LOCALHOST",
    "LocalHost:8080",
    "127.0.0.1",
    "127.0.0.1:5000",
    "127.9.8.7",
    "127.255.255.254:65535",
    "[::1]",
    "[::1]:5000",
    "[0:0:0:0:0:0:0:1]:5000",
]
# Host headers it refuses: every other name, and anything that is not plainly one of those.
OTHER_HOSTS = {
    "public-name": "rebind.example",
    "localhost-prefix": "localhost.evil.com",
    "localhost-subdomain": "app.localhost",
    "localhost-trailing-dot": "localhost.",
    "ip-prefix": "127.0.0.1.nip.io",
    "ip-trailing-dot": "127.0.0.1.",
    "user-info-after": "localhost:80@evil.example",
    "user-info-before": "evil@localhost",
    "empty": "",
    "empty-port": "localhost:",
    "port-too-big": "localhost:65536",
    "port-not-digits": "localhost:80a",
    "two-ports": "localhost:80:81",
    "space": "localhost :80",
    "two-host-headers": "localhost,rebind.example",
    "ipv6-unbracketed": "::1",
    "ipv6-unclosed": "[::1",
    "ipv6-trailer": "[::1]x",
    "ipv6-empty-port": "[::1]:",
    "ipv6-zone": "[::1%25lo]",
    "ipv6-mapped-ipv4": "[::ffff:127.0.0.1]",
    "ipv4-in-brackets": "[127.0.0.1]",
    "ipv6-other": "[::2]",
    "ipv4-short": "127.1",
    "ipv4-integer": "2130706433",
    "ipv4-octal": "0177.0.0.1",
    "ipv4-hex": "0x7f.0.0.1",
    "ipv4-leading-zero": "127.0.0.01",
    "ipv4-not-loopback": "10.0.0.1",
    "ipv4-any": "0.0.0.0",  # noqa: S104 - a Host header, not a binding
    # The UTF-8 of full-width "localhost", as a WSGI server passes it on (Latin-1).
    "non-ascii": "".join(chr(ord(c) + 0xFEE0) for c in "localhost").encode().decode("latin-1"),
}


@pytest.fixture(scope="module")
def open_app() -> Flask:
    """A local-mode app with LOCAL_MODE_ALLOW_REMOTE=true."""
    return create_app(Config(local_mode_allow_remote=True))


def _with_host(host: str) -> dict[str, str]:
    return {"HTTP_HOST": host}


def _without_host(app: Flask, protocol: str) -> tuple[str, bytes]:
    """GET /health with no Host header at all, as an HTTP/1.0 client may send it."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/health").get_environ()
    del environ["HTTP_HOST"]
    environ["SERVER_PROTOCOL"] = protocol
    environ["REMOTE_ADDR"] = "127.0.0.1"
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(body)


class TestLoopbackHostOnly:
    """A DNS-rebinding page reaches 127.0.0.1 from this machine, under its own name."""

    @pytest.mark.parametrize("host", LOOPBACK_HOSTS)
    def test_loopback_names_are_answered(self, local: FlaskClient, host: str) -> None:
        response = local.get("/local/codes", environ_overrides=_with_host(host))
        assert response.status_code == 200, response.json

    @pytest.mark.parametrize("host", OTHER_HOSTS.values(), ids=OTHER_HOSTS.keys())
    def test_other_names_are_refused_as_remote_clients_are(
        self, local: FlaskClient, host: str
    ) -> None:
        response = local.get("/local/codes", environ_overrides=_with_host(host))
        body = problem(response, 403, "Forbidden")
        assert body["reason"] == "local_mode_remote"
        assert "Host" in body["detail"]
        assert "LOCAL_MODE_ALLOW_REMOTE=true" in body["detail"]
        assert "codes" not in body

    @pytest.mark.parametrize("host", [*LOOPBACK_HOSTS, *OTHER_HOSTS.values()])
    def test_allow_remote_answers_any_name(self, open_app: Flask, host: str) -> None:
        response = open_app.test_client().get("/local/codes", environ_overrides=_with_host(host))
        assert response.status_code == 200, response.json

    def test_allow_remote_answers_another_machine_under_another_name(self, open_app: Flask) -> None:
        response = open_app.test_client().get(
            "/local/codes",
            environ_overrides={"REMOTE_ADDR": "192.0.2.7", "HTTP_HOST": "rebind.example"},
        )
        assert response.status_code == 200

    def test_the_client_address_is_still_checked_under_a_loopback_name(
        self, local: FlaskClient
    ) -> None:
        response = local.get(
            "/local/codes", environ_overrides={"REMOTE_ADDR": "192.0.2.7", "HTTP_HOST": "localhost"}
        )
        body = problem(response, 403, "Forbidden")
        assert "Host" not in body["detail"]

    def test_http_1_0_without_host_is_answered(self, local_app: Flask) -> None:
        status, _ = _without_host(local_app, "HTTP/1.0")
        assert status.startswith("200")

    def test_http_1_1_without_host_is_refused(self, local_app: Flask) -> None:
        status, body = _without_host(local_app, "HTTP/1.1")
        assert status.startswith("403")
        assert json.loads(body)["reason"] == "local_mode_remote"

    def test_configured_pools_answer_any_name(self, client: FlaskClient) -> None:
        response = client.get("/health", environ_overrides=_with_host("rebind.example"))
        assert response.status_code == 200


@pytest.fixture(scope="module")
def served_port(local_app: Flask) -> Iterator[int]:
    """The local-mode app behind werkzeug's server (what `make run` uses) on a free port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, local_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


def _send(port: int, head: str) -> tuple[int, bytes]:
    """Send a request's head as written; return the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


class TestLoopbackHostOverHttp:
    """The same rule over a socket: what a client writes, as werkzeug's server reads it."""

    @pytest.mark.parametrize(
        ("head", "status"),
        [
            ("GET /local/codes HTTP/1.0\r\n", 200),
            ("GET /local/codes HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", 200),
            ("GET /local/codes HTTP/1.1\r\nHost: LOCALHOST:80\r\nConnection: close\r\n", 200),
            ("GET /local/codes HTTP/1.1\r\nHost: rebind.example\r\nConnection: close\r\n", 403),
            ("GET /local/codes HTTP/1.0\r\nHost: localhost.\r\n", 403),
            ("GET /local/codes HTTP/1.0\r\nHost: localhost\r\nHost: rebind.example\r\n", 403),
            ("GET http://rebind.example/local/codes HTTP/1.0\r\nHost: localhost\r\n", 403),
        ],
        ids=[
            "http-1.0-no-host",
            "ip",
            "upper-case-name",
            "public-name",
            "trailing-dot",
            "second-host-header",
            "absolute-target",
        ],
    )
    def test_status(self, served_port: int, head: str, status: int) -> None:
        answered, body = _send(served_port, head)
        assert answered == status, body
        if status == 403:
            assert json.loads(body)["code"] == "Forbidden"


def test_the_banner_says_which_names_are_answered(capsys: pytest.CaptureFixture[str]) -> None:
    create_app(Config())
    banner = capsys.readouterr().err
    assert "only as localhost, 127.0.0.1 or [::1]" in banner
    assert "(LOCAL_MODE_ALLOW_REMOTE=true lifts that" in banner
    create_app(Config(local_mode_allow_remote=True))
    banner = capsys.readouterr().err
    assert "other machines and other names are answered too" in banner


class TestPoolSettings:
    """The local pool: case-insensitive usernames by default, as AWS recommends."""

    def test_defaults(self) -> None:
        config = Config.from_env({})
        assert config.local_pool_case_sensitive is False
        assert config.local_pool_username_attributes == ()

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False)],
    )
    def test_case_sensitive(self, raw: str, expected: bool) -> None:
        config = Config.from_env({"LOCAL_POOL_CASE_SENSITIVE": raw})
        assert config.local_pool_case_sensitive is expected

    def test_a_bad_case_sensitive_value_names_the_accepted_ones(self) -> None:
        with pytest.raises(ConfigError, match="true or false") as raised:
            Config.from_env({"LOCAL_POOL_CASE_SENSITIVE": "sometimes"})
        assert raised.value.variable == "LOCAL_POOL_CASE_SENSITIVE"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("email", ("email",)), (" Email ", ("email",)), ("email,", ("email",)), ("", ())],
    )
    def test_username_attributes(self, raw: str, expected: tuple[str, ...]) -> None:
        config = Config.from_env({"LOCAL_POOL_USERNAME_ATTRIBUTES": raw})
        assert config.local_pool_username_attributes == expected

    @pytest.mark.parametrize(
        "raw", ["phone_number", "email,phone_number", "email,email", "username", "e-mail"]
    )
    def test_a_bad_username_attributes_value_names_the_accepted_ones(self, raw: str) -> None:
        with pytest.raises(ConfigError) as raised:
            Config.from_env({"LOCAL_POOL_USERNAME_ATTRIBUTES": raw})
        assert raised.value.variable == "LOCAL_POOL_USERNAME_ATTRIBUTES"
        message = str(raised.value)
        assert "email (users sign in by email)" in message
        assert "unset (users sign in by username)" in message

    def test_a_bad_value_given_directly_is_refused_too(self) -> None:
        with pytest.raises(ConfigError, match="LOCAL_POOL_USERNAME_ATTRIBUTES"):
            Config(local_pool_username_attributes=("phone_number",)).validate()

    @pytest.mark.parametrize(
        ("options", "configuration", "attributes"),
        [
            ({}, {"CaseSensitive": False}, None),
            ({"case_sensitive": True}, {"CaseSensitive": True}, None),
            ({"username_attributes": ["email"]}, {"CaseSensitive": False}, ["email"]),
            (
                {"case_sensitive": True, "username_attributes": ("email",)},
                {"CaseSensitive": True},
                ["email"],
            ),
        ],
        ids=["default", "case-sensitive", "email", "both"],
    )
    def test_start_emulator_creates_that_pool(
        self,
        options: dict[str, Any],
        configuration: dict[str, bool],
        attributes: list[str] | None,
    ) -> None:
        from local_cognito import start_emulator

        emulator = start_emulator("us-east-1", announce=lambda line: None, **options)
        try:
            pool = _describe_pool(emulator.endpoint_url, emulator.user_pool_id)
        finally:
            emulator.server.stop()
        assert pool["UsernameConfiguration"] == configuration
        assert pool.get("UsernameAttributes") == attributes

    def test_the_default_pool_and_its_banner(self, capsys: pytest.CaptureFixture[str]) -> None:
        config = create_app(Config()).config["PROXY"]
        banner = capsys.readouterr().err
        pool = _describe_pool(config.endpoint_url, config.user_pool_id)
        assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
        assert "UsernameAttributes" not in pool
        assert "pool: case-insensitive usernames, as AWS recommends" in banner
        assert "(LOCAL_POOL_CASE_SENSITIVE=true for a case-sensitive one)" in banner
        assert "users sign in by username (LOCAL_POOL_USERNAME_ATTRIBUTES=email" in banner
        assert "sign in by email," not in banner

    def test_the_environment_reaches_the_pool_and_its_banner(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("LOCAL_POOL_CASE_SENSITIVE", "true")
        monkeypatch.setenv("LOCAL_POOL_USERNAME_ATTRIBUTES", "email")
        config = create_app().config["PROXY"]
        banner = capsys.readouterr().err
        pool = _describe_pool(config.endpoint_url, config.user_pool_id)
        assert pool["UsernameConfiguration"] == {"CaseSensitive": True}
        assert pool["UsernameAttributes"] == ["email"]
        assert "pool: case-sensitive usernames (LOCAL_POOL_CASE_SENSITIVE=true)" in banner
        assert "users sign in by email, and each username is an id the pool generates" in banner
        assert "case-insensitive" not in banner
        assert "sign in by username" not in banner

    def test_an_email_pool_signs_up_and_in_by_email(self) -> None:
        client = create_app(Config(local_pool_username_attributes=("email",))).test_client()
        signed_up = client.post(
            "/signup", json={"username": "lin@example.com", "password": PASSWORD}
        )
        assert signed_up.status_code == 201
        generated = signed_up.json["userSub"]
        codes = client.get(f"/local/codes?username={generated}").json["codes"]
        # Listed under the email the user signs in by too, in any case.
        assert client.get("/local/codes?username=LIN@example.com").json["codes"] == codes
        assert codes[0]["username"] == generated
        body = {"username": "lin@example.com", "confirmationCode": codes[0]["code"]}
        assert client.post("/confirmsignup", json=body).json == {"confirmed": True}
        signed_in = client.post(
            "/admin/signin", json={"username": "lin@example.com", "password": PASSWORD}
        )
        assert signed_in.status_code == 200
        claims = client.get(
            "/token/valid", headers={"Authorization": f"Bearer {signed_in.json['accessToken']}"}
        ).json
        assert claims["username"] == generated


def _idp(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _describe_pool(endpoint_url: str, user_pool_id: str) -> dict[str, Any]:
    return dict(_idp(endpoint_url).describe_user_pool(UserPoolId=user_pool_id)["UserPool"])


class TestLocalModeAnswersThisMachineOnly:
    """Local mode's tokens are forgeable, so it must never face a network."""

    @pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "2001:db8::1", ""])
    def test_other_addresses_get_403(self, local_app: Flask, address: str) -> None:
        client = local_app.test_client()
        response = client.get("/health", environ_base={"REMOTE_ADDR": address})
        body = problem(response, 403, "Forbidden")
        assert body["reason"] == "local_mode_remote"
        assert "LOCAL_MODE_ALLOW_REMOTE" in body["detail"]

    @pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1"])
    def test_loopback_is_answered(self, local_app: Flask, address: str) -> None:
        client = local_app.test_client()
        response = client.get("/health", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200

    def test_allow_remote_lifts_it_and_the_banner_says_so(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from proxy_app import create_app
        from proxy_app.config import Config

        app = create_app(Config(local_mode_allow_remote=True))
        banner = capsys.readouterr().err
        assert "LOCAL_MODE_ALLOW_REMOTE=true" in banner
        assert "forge" in banner
        response = app.test_client().get("/health", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 200

    def test_configured_pools_are_not_restricted(self, client: FlaskClient) -> None:
        response = client.get("/health", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 200


# --- served by `flask run` (make run) -------------------------------------------------

FLASK = Path(sys.executable).with_name("flask")


@pytest.fixture
def default_sigterm() -> Iterator[None]:
    """SIGTERM at its default during the test; whatever the test installs is undone."""
    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, before)


@pytest.mark.parametrize(
    ("options", "url"),
    [
        ({"host": "127.0.0.1", "port": 5050}, "http://127.0.0.1:5050"),
        ({"host": "localhost", "port": 5000}, "http://localhost:5000"),
        ({"host": "0.0.0.0", "port": 8000}, "http://127.0.0.1:8000"),  # noqa: S104
        ({"host": "::", "port": 8000}, "http://[::1]:8000"),
        ({"host": "::1", "port": 5000}, "http://[::1]:5000"),
        ({"host": "127.0.0.1", "port": 5000, "cert": "adhoc"}, "https://127.0.0.1:5000"),
        ({"host": "127.0.0.1", "port": 0}, None),
    ],
)
def test_the_url_flask_run_serves_at(options: dict[str, Any], url: str | None) -> None:
    assert served_at(options) == url


def test_under_flask_run_the_banner_gives_the_urls_and_sigterm_exits(
    default_sigterm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with click.Context(run_command) as context:
        context.params.update(host="127.0.0.1", port=5050)
        create_app(Config())
    banner = capsys.readouterr().err
    assert "  demo page: http://127.0.0.1:5050/ (open it in a browser)\n" in banner
    assert "  API docs:  http://127.0.0.1:5050/docs\n" in banner
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler)
    with pytest.raises(SystemExit) as exited:
        handler(signal.SIGTERM, None)
    assert exited.value.code == 128 + signal.SIGTERM


def test_elsewhere_sigterm_is_left_alone_and_the_banner_names_paths(
    default_sigterm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app(Config())  # gunicorn, a test, a script: not flask run's process
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    banner = capsys.readouterr().err
    assert "open / in a browser for the demo page, /docs for the API docs" in banner
    assert "http://127.0.0.1:5000" not in banner


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_takes_host_and_port_from_its_command_line_only() -> None:
    # Not a sub-make of `make test`, which would pass its own command line's variables on.
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    clean = {k: v for k, v in os.environ.items() if k not in outer}

    def flask_command(*args: str, **environment: str) -> str:
        printed = subprocess.run(
            ["make", "-n", "run", *args],
            cwd=ROOT,
            env={**clean, **environment},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return next(line for line in printed.splitlines() if " run --host " in line)

    assert flask_command().endswith("flask --app wsgi run --host '127.0.0.1' --port '5000'")
    assert flask_command("PORT=5050").endswith("run --host '127.0.0.1' --port '5050'")
    assert flask_command("HOST=localhost", "PORT=5051").endswith(
        "run --host 'localhost' --port '5051'"
    )
    # zsh's HOST and many platforms' PORT are not meant for it.
    assert flask_command(HOST="my-laptop", PORT="80").endswith(
        "run --host '127.0.0.1' --port '5000'"
    )


def test_flask_run_on_a_port_then_sigterm_removes_the_state_file(tmp_path: Path) -> None:
    """make run's command in a real process: the banner's URLs name the port it serves on;
    a plain `kill` ends it through the same clean-up as Ctrl-C."""
    port = closed_port()
    state = tmp_path / "local.json"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COGNITO_")},
        "LOCAL_STATE_FILE": str(state),
    }
    process = subprocess.Popen(
        [str(FLASK), "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_served(process, port, state)
        process.send_signal(signal.SIGTERM)
        _, printed = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + signal.SIGTERM, printed
    assert not state.exists()
    assert f"  demo page: http://127.0.0.1:{port}/ (open it in a browser)\n" in printed
    assert f"  API docs:  http://127.0.0.1:{port}/docs\n" in printed


def _wait_until_served(process: subprocess.Popen[str], port: int, state: Path) -> None:
    """Wait for the state file and for GET /health to answer on the port."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"flask run stopped ({process.returncode}): {process.communicate()[1]}")
        if state.exists():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
        time.sleep(0.1)
    pytest.fail("flask run did not answer within 60 s")

"""Local mode: no pool configured starts the embedded emulator; never inside Lambda.
Through the app: strict codes end to end, LOCAL_ACCEPT_ANY_CODE, unknown users,
unconfirmed sign-in, GET /local/codes and the state file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import problem
from flask import Flask
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.config import Config, ConfigError
from proxy_app.local_state import clear_state, read_state

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


@pytest.fixture(scope="module")
def local_app() -> Flask:
    """One local-mode app with strict codes."""
    return create_app(Config())


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
        assert local.get(f"/local/codes?username={username}").json == {"codes": []}

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
        codes = local.get("/local/codes").json["codes"]
        assert [c["username"] for c in codes[:2]] == ["kay@example.com", "joan@example.com"]
        # The resent code replaced the first one.
        assert [c["username"] for c in codes].count("joan@example.com") == 1
        first = codes[0]
        assert set(first) == {"username", "purpose", "attribute", "code", "destination", "sentAt"}
        assert first["purpose"] == "signup" and first["attribute"] is None
        assert re.fullmatch(r"\d{6}", first["code"])
        assert first["destination"] == "k***@e***"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["sentAt"])

    def test_an_unknown_username_lists_nothing(self, local: FlaskClient) -> None:
        assert local.get("/local/codes?username=nobody").json == {"codes": []}

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

"""Local mode: no pool configured starts the embedded emulator; never inside Lambda."""

from __future__ import annotations

import pytest

from proxy_app import create_app
from proxy_app.config import Config, ConfigError


def test_no_pool_starts_the_emulator_and_prints_one_banner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = create_app(Config())
    banner = capsys.readouterr().err
    assert banner.count("LOCAL MODE") == 1
    config = app.config["PROXY"]
    assert config.user_pool_id in banner
    assert config.app_client_id in banner
    assert "any confirmation code is accepted" in banner
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

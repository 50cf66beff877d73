"""Configuration from the environment: defaults, and errors that name the variable."""

from __future__ import annotations

import pytest

from proxy_app.config import DEFAULT_WRITABLE_ATTRIBUTES, Config, ConfigError

POOL = {"COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123", "COGNITO_APP_CLIENT_ID": "1a2b3c4d5e"}


def test_defaults() -> None:
    config = Config.from_env(POOL)
    assert config.region == "us-east-1"
    assert config.autoconfirm_user is False
    assert config.accept_credential_headers is True
    assert config.writable_attributes == DEFAULT_WRITABLE_ATTRIBUTES
    assert "email_verified" not in config.writable_attributes
    assert config.issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
    assert config.jwks_url == config.issuer + "/.well-known/jwks.json"
    assert not config.local_mode


def test_region_falls_back_to_aws_region() -> None:
    assert Config.from_env({**POOL, "AWS_REGION": "eu-west-2"}).region == "eu-west-2"
    both = {**POOL, "AWS_REGION": "eu-west-2", "REGION_NAME": "ap-south-1"}
    assert Config.from_env(both).region == "ap-south-1"


def test_endpoint_moves_the_jwks_url_not_the_issuer() -> None:
    config = Config.from_env({**POOL, "COGNITO_ENDPOINT_URL": "http://127.0.0.1:9229/"})
    assert config.jwks_url == "http://127.0.0.1:9229/us-east-1_AbCdEf123/.well-known/jwks.json"
    assert config.issuer.startswith("https://cognito-idp.us-east-1.amazonaws.com/")


def test_overrides_for_other_emulators() -> None:
    config = Config.from_env(
        {
            **POOL,
            "COGNITO_ISSUER": "http://localhost:9229/local_pool",
            "COGNITO_JWKS_URL": "http://localhost:9229/local_pool/.well-known/jwks.json",
        }
    )
    assert config.issuer == "http://localhost:9229/local_pool"
    assert config.jwks_url.endswith("/jwks.json")


def test_values_are_parsed() -> None:
    config = Config.from_env(
        {
            **POOL,
            "AUTOCONFIRM_USER": "TRUE",
            "ACCEPT_CREDENTIAL_HEADERS": "false",
            "WRITABLE_ATTRIBUTES": "name, custom:tier",
            "CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:3000/",
            "LOG_LEVEL": "debug",
            "COGNITO_APP_CLIENT_SECRET": "s3cret",
        }
    )
    assert config.autoconfirm_user is True
    assert config.accept_credential_headers is False
    assert config.writable_attributes == {"name", "custom:tier"}
    assert config.cors_allowed_origins == ("https://app.example.com", "http://localhost:3000")
    assert config.log_level == "DEBUG"
    assert "s3cret" not in repr(config)


def test_no_pool_is_local_mode() -> None:
    assert Config.from_env({}).local_mode


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({**POOL, "REGION_NAME": "mars"}, "REGION_NAME"),
        ({"COGNITO_USER_POOL_ID": "not a pool"}, "COGNITO_USER_POOL_ID"),
        ({"COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123"}, "COGNITO_APP_CLIENT_ID"),
        ({**POOL, "COGNITO_APP_CLIENT_ID": "bad id!"}, "COGNITO_APP_CLIENT_ID"),
        ({**POOL, "AUTOCONFIRM_USER": "maybe"}, "AUTOCONFIRM_USER"),
        ({**POOL, "ACCEPT_CREDENTIAL_HEADERS": "nope"}, "ACCEPT_CREDENTIAL_HEADERS"),
        ({**POOL, "COGNITO_ENDPOINT_URL": "localhost:9229"}, "COGNITO_ENDPOINT_URL"),
        ({**POOL, "COGNITO_ISSUER": "ftp://x"}, "COGNITO_ISSUER"),
        ({**POOL, "COGNITO_JWKS_URL": "keys.json"}, "COGNITO_JWKS_URL"),
        ({**POOL, "WRITABLE_ATTRIBUTES": "name,bad attribute"}, "WRITABLE_ATTRIBUTES"),
        ({**POOL, "CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS"),
        ({**POOL, "CORS_ALLOWED_ORIGINS": "https://a.example/path"}, "CORS_ALLOWED_ORIGINS"),
        ({**POOL, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({**POOL, "TOKEN_LEEWAY_SECONDS": "301"}, "TOKEN_LEEWAY_SECONDS"),
        ({**POOL, "TOKEN_LEEWAY_SECONDS": "ten"}, "TOKEN_LEEWAY_SECONDS"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "proxy"}, "COGNITO_USER_POOL_ID"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_env(environ)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(variable)

"""The HTTP legacy source against a small legacy app the tests run on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from proxy_app.config import Config
from proxy_app.legacy import (
    LegacyBroken,
    LegacyError,
    LegacyRefused,
    LegacyUnavailable,
    LegacyUser,
    legacy_source,
)
from proxy_app.legacy.http import HttpSource
from tests.support.legacy_app import LegacyApp, serve
from tests.support.network import closed_port

PASSWORD = "legacy-Passw0rd!"
TOKEN = "legacy-bearer-secret"
TIMEOUT = 0.5


@pytest.fixture
def app() -> Iterator[LegacyApp]:
    with serve() as running:
        running.add_user(
            "ada",
            PASSWORD,
            email="ada@example.com",
            email_verified=True,
            name="Ada Lovelace",
            sub="legacy-sub",
            **{"cognito:username": "x", "custom:tier": "gold", "age": 36, "nickname": None},
        )
        yield running


def source_for(url: str, **overrides: Any) -> HttpSource:
    config = Config(legacy_auth_url=url, legacy_timeout_seconds=TIMEOUT, **overrides)
    config.validate()
    source = legacy_source(config)
    assert isinstance(source, HttpSource)
    return source


def test_the_right_password_returns_the_user_with_cognito_attributes_only(app: LegacyApp) -> None:
    user = source_for(app.url).authenticate("ada", PASSWORD)
    assert user == LegacyUser(
        "ada",
        {
            "email": "ada@example.com",
            "email_verified": "true",
            "name": "Ada Lovelace",
            "custom:tier": "gold",
        },
    )
    (request,) = app.received
    assert request.body == {"username": "ada", "password": PASSWORD}
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers


def test_a_wrong_password_and_an_unknown_user_answer_none(app: LegacyApp) -> None:
    source = source_for(app.url)
    assert source.authenticate("ada", "wrong") is None
    assert source.authenticate("nobody", PASSWORD) is None
    assert len(app.received) == 2


def test_find_sends_no_password_member(app: LegacyApp) -> None:
    source = source_for(app.url, legacy_emails_verified=True)
    user = source.find("ada")
    assert user is not None
    assert user.attributes["email"] == "ada@example.com"
    assert source.find("nobody") is None
    assert [r.body for r in app.received] == [{"username": "ada"}, {"username": "nobody"}]


def test_emails_count_as_verified_only_when_configured_and_unsaid(app: LegacyApp) -> None:
    app.add_user("bob", PASSWORD, email="bob@example.com")
    unsaid = source_for(app.url).authenticate("bob", PASSWORD)
    assert unsaid is not None and "email_verified" not in unsaid.attributes
    verified = source_for(app.url, legacy_emails_verified=True).authenticate("bob", PASSWORD)
    assert verified is not None and verified.attributes["email_verified"] == "true"


def test_the_bearer_secret_is_sent_and_never_logged(
    app: LegacyApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = source_for(app.url, legacy_auth_token=TOKEN)
    assert source.authenticate("ada", "wrong") is None
    app.status = 503
    with pytest.raises(LegacyUnavailable):
        source.authenticate("ada", PASSWORD)
    assert app.received[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_failing_legacy_app_is_unavailable(app: LegacyApp, status: int) -> None:
    app.status = status
    with pytest.raises(LegacyUnavailable):
        source_for(app.url).authenticate("ada", PASSWORD)


@pytest.mark.parametrize("status", [400, 403, 405, 418])
def test_an_unexpected_status_is_refused_and_logged(
    app: LegacyApp, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app.status = status
    with pytest.raises(LegacyRefused):
        source_for(app.url).authenticate("ada", PASSWORD)
    assert "unexpected status" in caplog.text
    # Not the request's body, which holds the password, nor the answer's.
    assert PASSWORD not in caplog.text and '"username"' not in caplog.text


def test_a_401_to_a_lookup_without_password_is_refused(app: LegacyApp) -> None:
    app.status = 401
    with pytest.raises(LegacyRefused):
        source_for(app.url).find("ada")


@pytest.mark.parametrize(
    "answer",
    [b"not json", b"[]", b'{"attributes": ["email"]}', b'{"user": {}}', b'"attributes"'],
)
def test_a_malformed_answer_is_broken_and_logged_once(
    app: LegacyApp, answer: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """An app that breaks the contract would otherwise turn every user away as unknown."""
    app.answer = answer
    source = source_for(app.url)
    with pytest.raises(LegacyBroken) as raised:
        source.authenticate("ada", PASSWORD)
    assert isinstance(raised.value, LegacyUnavailable)
    with pytest.raises(LegacyBroken):
        source.find("ada")
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert '{"attributes": {...}}' in record.getMessage()


def test_an_oversized_answer_is_broken(app: LegacyApp) -> None:
    app.answer = b'{"attributes": {"name": "' + b"x" * 70_000 + b'"}}'
    with pytest.raises(LegacyBroken):
        source_for(app.url).authenticate("ada", PASSWORD)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(
    app: LegacyApp, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The password goes only where LEGACY_AUTH_URL says; the URL is what to fix."""
    app.status = status
    app.headers = {"Location": app.url.replace("/legacy/auth", "/elsewhere")}
    with pytest.raises(LegacyBroken):
        source_for(app.url).authenticate("ada", PASSWORD)
    assert [r.path for r in app.received] == ["/legacy/auth"]
    assert "LEGACY_AUTH_URL must name the endpoint" in caplog.text


def test_another_success_status_is_broken(app: LegacyApp) -> None:
    app.status = 204
    with pytest.raises(LegacyBroken):
        source_for(app.url).find("ada")


class TestTheAnswersOwnMembers:
    def test_the_user_is_named_by_the_legacy_app_not_by_the_caller(self, app: LegacyApp) -> None:
        app.case_insensitive = True
        app.add_user("bob", PASSWORD, {"username": "bob"}, email="bob@example.com")
        source = source_for(app.url)
        assert source.authenticate("BOB", PASSWORD) == LegacyUser(
            "bob", {"email": "bob@example.com"}
        )
        found = source.find("Bob")
        assert found is not None and found.username == "bob"
        assert [r.body["username"] for r in app.received] == ["BOB", "Bob"]

    @pytest.mark.parametrize(
        "members",
        [{}, {"username": ""}, {"username": None}, {"username": 7}, {"username": ["bob"]}],
        ids=["absent", "empty", "null", "number", "list"],
    )
    def test_without_a_name_of_its_own_the_user_is_the_name_asked_for(
        self, app: LegacyApp, members: dict[str, Any]
    ) -> None:
        app.add_user("bob", PASSWORD, members)
        user = source_for(app.url).authenticate("bob", PASSWORD)
        assert user is not None and user.username == "bob"

    @pytest.mark.parametrize(
        ("members", "disabled"),
        [
            ({"disabled": True}, True),
            ({"disabled": "yes"}, True),
            ({"disabled": 1}, True),
            ({"disabled": False}, False),
            ({"disabled": None}, False),
            ({}, False),
        ],
    )
    def test_the_disabled_member_is_a_flag_never_an_attribute(
        self, app: LegacyApp, members: dict[str, Any], disabled: bool
    ) -> None:
        app.add_user("bob", PASSWORD, members, email="bob@example.com")
        source = source_for(app.url)
        expected = LegacyUser("bob", {"email": "bob@example.com"}, disabled=disabled)
        assert source.authenticate("bob", PASSWORD) == expected
        assert source.find("bob") == expected

    def test_a_disabled_attribute_is_not_the_flag(self, app: LegacyApp) -> None:
        """Only the top-level member counts; inside attributes it is no Cognito name."""
        app.add_user("bob", PASSWORD, disabled=True)
        assert source_for(app.url).find("bob") == LegacyUser("bob", {})


def test_a_slow_legacy_app_is_unavailable_at_the_timeout(app: LegacyApp) -> None:
    app.delay = 3
    started = time.monotonic()
    with pytest.raises(LegacyUnavailable):
        source_for(app.url).authenticate("ada", PASSWORD)
    assert time.monotonic() - started < 2 * TIMEOUT + 0.5


def test_a_trickling_answer_is_cut_at_the_deadline(app: LegacyApp) -> None:
    app.trickle = 0.05  # each byte well within the socket timeout; the whole far beyond
    started = time.monotonic()
    with pytest.raises(LegacyUnavailable):
        source_for(app.url).authenticate("ada", PASSWORD)
    assert time.monotonic() - started < 2 * TIMEOUT + 0.5


def test_a_header_dribbled_slowly_cannot_hold_a_sign_in_past_the_timeout(
    app: LegacyApp,
) -> None:
    app.dribble = 0.2  # 40 header lines: 8 s, each line well within the socket timeout
    started = time.monotonic()
    with pytest.raises(LegacyUnavailable):
        source_for(app.url).authenticate("ada", PASSWORD)
    assert time.monotonic() - started < TIMEOUT + 1.5


def test_a_closed_port_is_unavailable() -> None:
    with pytest.raises(LegacyUnavailable):
        source_for(f"http://127.0.0.1:{closed_port()}/auth").authenticate("ada", PASSWORD)


def test_bulk_listing_is_not_supported(app: LegacyApp) -> None:
    source = source_for(app.url)
    with pytest.raises(LegacyError, match="not supported"):
        source.count_users()
    with pytest.raises(LegacyError, match="not supported"):
        next(source.iter_users())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, made now."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TestTls:
    @pytest.fixture
    def tls_app(self, certificate: tuple[Path, Path]) -> Iterator[LegacyApp]:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        with serve(context) as running:
            running.add_user("ada", PASSWORD, email="ada@example.com")
            yield running

    def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
        self, tls_app: LegacyApp, caplog: pytest.LogCaptureFixture
    ) -> None:
        with pytest.raises(LegacyUnavailable):
            source_for(tls_app.url).authenticate("ada", PASSWORD)
        assert tls_app.received == []
        (record,) = [r for r in caplog.records if r.getMessage() == "legacy app unreachable"]
        assert record.reason == "SSLCertVerificationError"  # type: ignore[attr-defined]

    def test_a_trusted_certificate_works(
        self,
        tls_app: LegacyApp,
        certificate: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # OpenSSL's default trust store location, read when the source is built.
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        user = source_for(tls_app.url).authenticate("ada", PASSWORD)
        assert user == LegacyUser("ada", {"email": "ada@example.com"})

"""Legacy password hashes: every scheme the issue names, made by its own code, verified."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from legacy_hashes import MAKERS, bcrypt_hash
from legacy_support import count_dummy_verifications

from proxy_app.legacy.passwords import PasswordHashes, hash_prefix

PASSWORD = "correct horse battery staple ✓"


@pytest.fixture(scope="module")
def hashes() -> PasswordHashes:
    return PasswordHashes()


@pytest.fixture
def dummy_calls(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    return count_dummy_verifications(monkeypatch)


@pytest.mark.parametrize("scheme", list(MAKERS))
def test_each_scheme_verifies_the_right_password_only(hashes: PasswordHashes, scheme: str) -> None:
    made = MAKERS[scheme](PASSWORD)
    assert hashes.scheme(made) is not None, made
    assert hashes.verify(PASSWORD, made) is True
    assert hashes.verify(PASSWORD + "x", made) is False
    assert hashes.verify("", made) is False


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("bcrypt $2y$", "bcrypt"),
        ("argon2id", "argon2"),
        ("django pbkdf2_sha256", "django_pbkdf2_sha256"),
        ("django bcrypt_sha256", "django_bcrypt_sha256"),
        ("phpass $H$", "phpass"),
        ("ldap {SSHA512}", "ldap_salted_sha512"),
    ],
)
def test_the_scheme_is_read_from_the_hash(
    hashes: PasswordHashes, scheme: str, expected: str
) -> None:
    assert hashes.scheme(MAKERS[scheme](PASSWORD)) == expected


def test_bcrypt_ignores_bytes_after_the_72nd_as_legacy_bcrypt_did(hashes: PasswordHashes) -> None:
    long = "é" * 40  # 80 bytes in UTF-8
    made = bcrypt_hash(long)  # hashed from the first 72 bytes, as PHP and bcrypt < 5 did
    assert hashes.verify(long, made) is True
    assert hashes.verify("é" * 36 + "different tail", made) is True
    assert hashes.verify("é" * 35, made) is False


@pytest.mark.parametrize(
    ("stored", "prefix"),
    [
        ("$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHvvOtJ", "$S$"),  # Drupal 7
        ("$wp$2y$10$3m4HkuMDVHKJpmvYgG1MWeAEhbd2uNs7NKCLBNWNKOg7kLRrQlMOy", "$wp$"),  # WP 6.8
        ("{CRYPT}$1$abc$def", "{CRYPT}"),
        ("sha1$salt$9bc34549d565d9505b287de0cd20ac77be1d3f2c", "sha1$"),  # old Django
        ("hunter2", "(none)"),  # a plaintext store: nothing of it may be logged
    ],
)
def test_an_unknown_scheme_answers_like_a_wrong_password_and_logs_its_prefix_only(
    hashes: PasswordHashes,
    dummy_calls: list[None],
    caplog: pytest.LogCaptureFixture,
    stored: str,
    prefix: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert hashes.verify("hunter2", stored) is False
    assert dummy_calls == [None]
    (record,) = [r for r in caplog.records if r.getMessage() == "unknown hash scheme"]
    assert record.schemePrefix == prefix  # type: ignore[attr-defined]
    body = stored[len(prefix) :] if prefix != "(none)" else stored
    assert body not in caplog.text
    assert "hunter2" not in caplog.text


def test_a_malformed_hash_of_a_known_scheme_is_a_wrong_password(
    hashes: PasswordHashes, dummy_calls: list[None], caplog: pytest.LogCaptureFixture
) -> None:
    assert hashes.verify(PASSWORD, "$2b$12$tooshort") is False
    assert dummy_calls == [None]
    assert "malformed password hash" in caplog.text
    assert "tooshort" not in caplog.text


def test_hash_prefix_never_returns_more_than_the_marker() -> None:
    made = MAKERS["sha512_crypt"](PASSWORD)
    assert hash_prefix(made) == "$6$"
    assert hash_prefix("password$") == "(none)"
    assert hash_prefix("") == "(none)"


def test_the_test_hashes_are_not_made_by_libpass() -> None:
    """Hashes libpass made itself would only show that libpass agrees with itself."""
    import legacy_hashes

    text = Path(legacy_hashes.__file__).read_text(encoding="utf-8")
    assert "import passlib" not in text
    assert "from passlib" not in text

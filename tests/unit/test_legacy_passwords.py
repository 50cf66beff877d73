"""Legacy password hashes: every scheme the issue names, made by its own code, verified."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from passlib.context import CryptContext

from proxy_app.legacy.passwords import PasswordHashes, scheme_marker, usable_hash
from tests.support.legacy_hashes import MAKERS, bcrypt_hash, md5_crypt_hash, phpass_hash
from tests.support.legacy_stores import LIBPASS_DUMMY, count_dummy_verifications, spy_verifications

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
        ("hunter2", "unknown"),  # a plaintext store: nothing of it may be logged
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
    body = stored[len(prefix) :] if prefix != "unknown" else stored
    assert body not in caplog.text
    assert "hunter2" not in caplog.text


def test_a_malformed_hash_of_a_known_scheme_is_a_wrong_password(
    hashes: PasswordHashes, dummy_calls: list[None], caplog: pytest.LogCaptureFixture
) -> None:
    assert hashes.verify(PASSWORD, "$2b$12$tooshort") is False
    assert dummy_calls == [None]
    assert "malformed password hash" in caplog.text
    assert "tooshort" not in caplog.text


def test_scheme_marker_never_returns_more_than_the_marker() -> None:
    made = MAKERS["sha512_crypt"](PASSWORD)
    assert scheme_marker(made) == "$6$"
    assert scheme_marker("{ssha}c2FsdGVk") == "{SSHA}"
    assert scheme_marker("password$") == "unknown"
    assert scheme_marker("") == "unknown"


@pytest.mark.parametrize("stored", ["{Hunter2pass}", "summer2024$secret$x"])
def test_a_plaintext_password_shaped_like_a_scheme_prefix_is_never_logged(
    hashes: PasswordHashes, caplog: pytest.LogCaptureFixture, stored: str
) -> None:
    caplog.set_level(logging.DEBUG)
    assert hashes.verify("anything", stored) is False
    (record,) = [r for r in caplog.records if r.getMessage() == "unknown hash scheme"]
    assert record.schemePrefix == "unknown"  # type: ignore[attr-defined]
    logged = caplog.text + repr([r.__dict__ for r in caplog.records])
    for part in ("Hunter", "{H", "summer", "secret"):
        assert part not in logged


def test_the_test_hashes_are_not_made_by_libpass() -> None:
    """Hashes libpass made itself would only show that libpass agrees with itself."""
    from tests.support import legacy_hashes

    text = Path(legacy_hashes.__file__).read_text(encoding="utf-8")
    assert "import passlib" not in text
    assert "from passlib" not in text


class TestDummyCost:
    """A dummy verification checks the password against a real hash the store answered."""

    @pytest.fixture
    def seen(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        return spy_verifications(monkeypatch)

    def test_before_any_hash_was_seen_it_is_libpass_dummy(self, seen: list[str]) -> None:
        PasswordHashes().dummy_verify(PASSWORD)
        assert seen == [LIBPASS_DUMMY]

    def test_a_hash_verified_sets_the_cost(self, seen: list[str]) -> None:
        hashes = PasswordHashes()
        stored = phpass_hash(PASSWORD)
        assert hashes.verify("wrong", stored) is False
        hashes.dummy_verify("another guess")
        assert seen == [stored, stored]

    def test_a_hash_looked_at_sets_the_cost(self, seen: list[str]) -> None:
        hashes = PasswordHashes()
        stored = MAKERS["django pbkdf2_sha256"](PASSWORD)
        hashes.remember(stored)
        hashes.dummy_verify("a guess")
        assert seen == [stored]

    def test_the_latest_hash_wins(self, seen: list[str]) -> None:
        hashes = PasswordHashes()
        first, second = phpass_hash(PASSWORD), md5_crypt_hash(PASSWORD)
        hashes.remember(first)
        hashes.remember(second)
        hashes.dummy_verify("a guess")
        assert seen == [second]

    @pytest.mark.parametrize(
        "stored",
        [
            "$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHvvOtJ",  # no known scheme
            "$2b$12$tooshort",  # a bcrypt prefix on a truncated hash
            "$1$abcdefgh",  # md5-crypt without its checksum
            "!" + bcrypt_hash(PASSWORD),  # a locked account
        ],
        ids=["unknown scheme", "malformed", "no checksum", "locked"],
    )
    @pytest.mark.parametrize("seen_by", ["lookup", "verification"])
    def test_a_hash_that_cannot_verify_never_sets_the_cost(
        self, seen: list[str], stored: str, seen_by: str
    ) -> None:
        hashes = PasswordHashes()
        if seen_by == "lookup":
            hashes.remember(stored)
        else:
            hashes.verify(PASSWORD, stored)
            seen.clear()
        hashes.dummy_verify(PASSWORD)
        assert seen == [LIBPASS_DUMMY]

    def test_an_unknown_scheme_costs_the_remembered_hash(self, seen: list[str]) -> None:
        hashes = PasswordHashes()
        stored = phpass_hash(PASSWORD)
        hashes.remember(stored)
        assert (
            hashes.verify(PASSWORD, "$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHv") is False
        )
        assert hashes.verify(PASSWORD, "$2b$12$tooshort") is False  # malformed
        assert seen[-1] == stored and seen.count(stored) == 2

    def test_a_long_password_still_costs_a_bcrypt_verification(self, seen: list[str]) -> None:
        """bcrypt 5 refuses more than 72 bytes; the dummy cuts them as the real check does."""
        hashes = PasswordHashes()
        stored = bcrypt_hash(PASSWORD)
        hashes.remember(stored)
        for _ in range(2):
            hashes.dummy_verify("é" * 100)  # 200 bytes
        assert seen == [stored, stored]

    def test_a_remembered_hash_that_fails_is_dropped_for_libpass_dummy(
        self, seen: list[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hashes = PasswordHashes()
        stored = phpass_hash(PASSWORD)
        hashes.remember(stored)
        spied = CryptContext.verify

        def failing(self: CryptContext, secret: Any, password_hash: str, **kwargs: Any) -> Any:
            answer = spied(self, secret, password_hash, **kwargs)
            if password_hash == stored:
                raise ValueError("a handler that parses too little to tell")
            return answer

        monkeypatch.setattr(CryptContext, "verify", failing)
        hashes.dummy_verify(PASSWORD)
        hashes.dummy_verify(PASSWORD)
        assert seen == [stored, LIBPASS_DUMMY, LIBPASS_DUMMY]

    def test_the_remembered_hash_is_never_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        hashes = PasswordHashes()
        stored = phpass_hash(PASSWORD)
        hashes.remember(stored)
        hashes.verify(PASSWORD, "$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHvvOtJ")
        hashes.dummy_verify(PASSWORD)
        assert stored[4:] not in caplog.text
        assert stored not in repr(hashes)


@pytest.mark.parametrize(
    ("stored", "usable"),
    [
        (None, False),
        ("", False),
        ("*", False),
        ("!", False),
        ("!!", False),
        ("!$2b$12$abcdefghijklmnopqrstuu", False),
        ("!" + "a" * 40, False),  # Django's unusable password
        ("$2b$12$abcdefghijklmnopqrstuu", True),
        ("*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29", True),  # MySQL's PASSWORD(): a hash
        ("hunter2", True),  # no known scheme, yet not a lock
    ],
)
def test_locked_hashes_are_told_apart(stored: str | None, usable: bool) -> None:
    assert usable_hash(stored) is usable

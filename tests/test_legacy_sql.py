"""The SQL legacy source against real SQLite, PostgreSQL and MariaDB databases."""

from __future__ import annotations

import datetime
import logging
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from legacy_hashes import bcrypt_hash, phpass_hash
from legacy_support import (
    BACKENDS,
    HOST,
    SERVER_BACKENDS,
    Store,
    Stores,
    closed_port,
    count_dummy_verifications,
)
from sqlalchemy import text

from proxy_app.config import Config
from proxy_app.legacy import LegacyError, LegacyRefused, LegacyUnavailable, LegacyUser
from proxy_app.legacy.sql import SqlSource

PASSWORD = "legacy-Passw0rd!"
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    with Stores(tmp_path_factory.mktemp("legacy")) as made:
        yield made


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, stores: Stores) -> Store:
    return stores.get(request.param)


@pytest.fixture(params=SERVER_BACKENDS)
def server_store(request: pytest.FixtureRequest, stores: Stores) -> Store:
    return stores.get(request.param)


@pytest.fixture
def dummy_calls(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    return count_dummy_verifications(monkeypatch)


def new_login() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


def test_the_right_password_returns_the_user_with_cognito_attributes_only(store: Store) -> None:
    login = new_login()
    store.add_user(
        login,
        bcrypt_hash(PASSWORD),
        email=f"{login}@example.com",
        email_verified=True,
        given_name="Ada",
        birthdate=datetime.date(1815, 12, 10),
        tier="gold",
        legacy_id="42",
    )
    user = store.source().authenticate(login, PASSWORD)
    assert user == LegacyUser(
        login,
        {
            "email": f"{login}@example.com",
            "email_verified": "true",  # MariaDB's BOOLEAN answers 1
            "given_name": "Ada",
            "birthdate": "1815-12-10",
            "custom:tier": "gold",
        },
    )  # never `sub` (legacy_id) or `cognito:username`, never the hash


def test_a_wrong_password_and_an_unknown_user_both_answer_none_at_a_hash_cost(
    store: Store, dummy_calls: list[None]
) -> None:
    login = new_login()
    store.add_user(login, phpass_hash(PASSWORD))
    source = store.source()
    assert source.authenticate(login, PASSWORD + "!") is None
    assert dummy_calls == []  # the real hash was checked
    assert source.authenticate(new_login(), PASSWORD) is None
    assert dummy_calls == [None]  # an unknown user costs a verification too


def test_a_user_without_a_hash_cannot_sign_in_but_can_be_found(
    store: Store, dummy_calls: list[None]
) -> None:
    login = new_login()
    store.add_user(login, None, email=f"{login}@example.com")
    source = store.source()
    assert source.authenticate(login, "") is None
    assert dummy_calls == [None]
    assert source.find(login) == LegacyUser(login, {"email": f"{login}@example.com"})


def test_find_returns_the_profile_without_a_password(store: Store) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com")
    source = store.source(legacy_emails_verified=True)
    assert source.find(login) == LegacyUser(
        login, {"email": f"{login}@example.com", "email_verified": "true"}
    )
    assert source.find(new_login()) is None


def test_the_source_says_an_email_is_unverified_even_when_emails_count_as_verified(
    store: Store,
) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com", email_verified=False)
    user = store.source(legacy_emails_verified=True).authenticate(login, PASSWORD)
    assert user is not None
    assert user.attributes["email_verified"] == "false"


def test_two_rows_for_one_username_are_refused_and_logged_never_guessed(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD), given_name="first")
    store.add_user(login, bcrypt_hash(PASSWORD), given_name="second")
    source = store.source()
    with pytest.raises(LegacyRefused):
        source.authenticate(login, PASSWORD)
    with pytest.raises(LegacyRefused):
        source.find(login)
    assert "more than one row" in caplog.text


def test_a_query_without_a_password_hash_column_is_refused(store: Store) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com")
    source = store.source(legacy_user_query=store.user_query("email"))
    with pytest.raises(LegacyRefused):
        source.authenticate(login, PASSWORD)


def test_nothing_is_ever_written_to_the_legacy_store(store: Store) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD))
    before = store.rows()
    # A query that would delete the row and still return it, were writes allowed.
    deleting = "DELETE FROM users WHERE login = :username RETURNING password_hash"
    with pytest.raises(LegacyRefused):
        store.source(legacy_user_query=deleting).authenticate(login, PASSWORD)
    assert store.rows() == before
    assert store.source().authenticate(login, PASSWORD) is not None


def test_a_broken_query_is_refused_not_unavailable(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    source = store.source(
        legacy_user_query="SELECT password_hash FROM no_such_table WHERE login = :username"
    )
    with pytest.raises(LegacyRefused):
        source.find("anyone")
    assert "legacy database refused the query" in caplog.text


def test_the_password_never_reaches_a_log(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    login = new_login()
    store.add_user(login, "$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHvvOtJ")
    secret = "Sup3r-secret-passphrase"
    assert store.source().authenticate(login, secret) is None
    assert "unknown hash scheme" in caplog.text
    assert secret not in caplog.text
    assert "DGn2yBf1Sxe" not in caplog.text


class TestBulk:
    def users_query(self, store: Store) -> str:
        return (
            f"SELECT login AS username, email, given_name FROM users "  # noqa: S608
            f"WHERE given_name = '{self.marker}';"
        )

    @pytest.fixture(autouse=True)
    def three_users(self, store: Store) -> None:
        self.marker = f"bulk-{uuid.uuid4().hex[:8]}"
        self.logins = sorted(new_login() for _ in range(3))
        for login in self.logins:
            store.add_user(
                login, bcrypt_hash(PASSWORD), email=f"{login}@example.com", given_name=self.marker
            )

    def test_iter_users_lists_every_user_with_attributes(self, store: Store) -> None:
        source = store.source(legacy_users_query=self.users_query(store))
        users = sorted(source.iter_users(), key=lambda user: user.username)
        assert [user.username for user in users] == self.logins
        assert users[0].attributes == {
            "email": f"{self.logins[0]}@example.com",
            "given_name": self.marker,
        }
        assert source.count_users() == 3

    def test_without_a_users_query_bulk_listing_is_not_supported(self, store: Store) -> None:
        source = store.source()
        with pytest.raises(LegacyError, match="not supported"):
            source.count_users()
        with pytest.raises(LegacyError, match="not supported"):
            next(source.iter_users())


class TestTimeouts:
    def slow_query(self, store: Store) -> str:
        if store.backend == "postgresql":
            return (
                "SELECT CAST(pg_sleep(5) AS text) AS password_hash "
                "WHERE CAST(:username AS text) <> ''"
            )
        return "SELECT CAST(SLEEP(5) AS CHAR) AS password_hash FROM DUAL WHERE :username <> ''"

    def test_a_slow_statement_is_cut_at_the_timeout(self, server_store: Store) -> None:
        source = server_store.source(legacy_user_query=self.slow_query(server_store))
        started = time.monotonic()
        with pytest.raises(LegacyUnavailable):
            source.find("anyone")
        assert time.monotonic() - started < 4  # the statement asked for 5 s

    def test_after_a_bulk_listing_lookups_are_still_cut(self, server_store: Store) -> None:
        source = server_store.source(
            legacy_user_query=self.slow_query(server_store),
            legacy_users_query="SELECT login AS username FROM users",
        )
        list(source.iter_users())
        source.count_users()
        started = time.monotonic()
        with pytest.raises(LegacyUnavailable):
            source.find("anyone")
        assert time.monotonic() - started < 4

    @pytest.mark.parametrize("backend", SERVER_BACKENDS)
    def test_a_closed_port_is_unavailable(self, backend: str) -> None:
        scheme = (
            "postgresql+psycopg://postgres" if backend == "postgresql" else "mysql+pymysql://root"
        )
        source = SqlSource(
            Config(
                legacy_database_url=f"{scheme}@{HOST}:{closed_port()}/test",
                legacy_user_query="SELECT password_hash FROM users WHERE login = :username",
                legacy_timeout_seconds=TIMEOUT,
            )
        )
        try:
            with pytest.raises(LegacyUnavailable):
                source.authenticate("anyone", PASSWORD)
        finally:
            source.dispose()

    @pytest.mark.parametrize("backend", SERVER_BACKENDS)
    def test_a_server_that_never_answers_is_unavailable_in_bounded_time(self, backend: str) -> None:
        """A listener that accepts connections and never speaks (a hung database)."""
        with socket.socket() as listener:
            listener.bind((HOST, 0))
            listener.listen(8)
            port = listener.getsockname()[1]
            scheme = (
                "postgresql+psycopg://postgres"
                if backend == "postgresql"
                else "mysql+pymysql://root"
            )
            source = SqlSource(
                Config(
                    legacy_database_url=f"{scheme}@{HOST}:{port}/test",
                    legacy_user_query="SELECT password_hash FROM users WHERE login = :username",
                    legacy_timeout_seconds=TIMEOUT,
                )
            )
            started = time.monotonic()
            try:
                with pytest.raises(LegacyUnavailable):
                    source.find("anyone")
            finally:
                source.dispose()
            # psycopg waits at least 2 s to connect, whatever is asked; PyMySQL the timeout.
            assert time.monotonic() - started < 3.5


def test_lookups_reuse_pooled_connections(stores: Stores) -> None:
    store = stores.get("postgresql")
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD))
    database = store.url.rsplit("/", 1)[1]

    def sessions() -> int:
        with store.engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT COUNT(*) FROM pg_stat_activity "
                        "WHERE application_name = 'cognito-proxy' AND datname = :database"
                    ),
                    {"database": database},
                ).scalar_one()
            )

    before = sessions()
    source = store.source()
    for _ in range(5):
        assert source.find(login) is not None
    assert sessions() == before + 1

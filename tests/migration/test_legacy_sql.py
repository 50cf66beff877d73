"""The SQL legacy source against real SQLite, PostgreSQL and MariaDB databases."""

from __future__ import annotations

import datetime
import logging
import socket
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from proxy_app.config import Config
from proxy_app.legacy import (
    LegacyBroken,
    LegacyError,
    LegacyRefused,
    LegacyUnavailable,
    LegacyUser,
)
from proxy_app.legacy.sql import SqlSource
from tests.support.legacy_hashes import bcrypt_hash, phpass_hash
from tests.support.legacy_stores import (
    HOST,
    LIBPASS_DUMMY,
    SERVER_BACKENDS,
    Store,
    Stores,
    backend_params,
    count_dummy_verifications,
    spy_verifications,
)
from tests.support.network import closed_port

PASSWORD = "legacy-Passw0rd!"
TIMEOUT = 1.0
USER_QUERY = "SELECT login AS username, password_hash FROM users WHERE login = :username"


@pytest.fixture(params=backend_params(*SERVER_BACKENDS))
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
    assert source.find(login) == LegacyUser(
        login, {"email": f"{login}@example.com"}, password_usable=False
    )


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


def test_a_query_without_a_password_hash_column_is_broken(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com")
    source = store.source(legacy_user_query=store.user_query("login AS username, email"))
    with pytest.raises(LegacyBroken):
        source.authenticate(login, PASSWORD)
    with pytest.raises(LegacyBroken):
        source.find(login)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "`password_hash` column" in record.getMessage()


def test_nothing_is_ever_written_to_the_legacy_store(store: Store) -> None:
    login = new_login()
    store.add_user(login, bcrypt_hash(PASSWORD))
    before = store.rows()
    # A query that would delete the row and still return it, were writes allowed.
    deleting = (
        "DELETE FROM users WHERE login = :username RETURNING login AS username, password_hash"
    )
    with pytest.raises(LegacyBroken):
        store.source(legacy_user_query=deleting).authenticate(login, PASSWORD)
    assert store.rows() == before
    assert store.source().authenticate(login, PASSWORD) is not None


class TestBrokenStores:
    """A store that cannot work is an outage to fix, never "no such user" for everyone."""

    def errors(self, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.levelno >= logging.ERROR]

    def test_a_missing_table_is_broken_and_logged_once_with_what_to_fix(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        query = "SELECT login AS username, password_hash FROM no_such_table WHERE login = :username"
        source = store.source(legacy_user_query=query)
        login = new_login()
        with pytest.raises(LegacyBroken) as raised:
            source.find(login)
        assert isinstance(raised.value, LegacyUnavailable)  # an outage: the caller says 503
        with pytest.raises(LegacyBroken):
            source.authenticate(login, PASSWORD)
        (record,) = self.errors(caplog)  # once per process, not once per sign-in
        assert "LEGACY_USER_QUERY" in record.getMessage()
        assert record.error  # type: ignore[attr-defined]
        # Driver messages can quote the username: only the class and the code are logged.
        assert login not in caplog.text
        assert "no_such_table" not in caplog.text

    @pytest.mark.parametrize(
        "query",
        [
            "SELEC login AS username, password_hash FROM users WHERE login = :username",
            "SELECT login AS username, password_hash FROM users WHERE login = :username AND",
            "SELECT login AS username, no_such_column FROM users WHERE login = :username",
        ],
        ids=["misspelt", "cut short", "unknown column"],
    )
    def test_a_query_the_database_refuses_is_broken(self, query: str, tmp_path: Path) -> None:
        source = sqlite_source(tmp_path, query)
        with pytest.raises(LegacyBroken):
            source.find("anyone")

    @pytest.mark.db_server
    def test_a_statement_that_returns_no_rows_is_broken(
        self, stores: Stores, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Read only and bound to :username, yet no SELECT (SQLite and PostgreSQL have no
        # such statement that also takes a parameter).
        source = stores.get("mariadb").source(legacy_user_query="SET @legacy_name = :username")
        with pytest.raises(LegacyBroken):
            source.authenticate("anyone", PASSWORD)
        (record,) = self.errors(caplog)
        assert "must be a SELECT that returns rows" in record.getMessage()

    def test_a_corrupt_sqlite_file_is_broken(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        source = sqlite_source(tmp_path)
        (tmp_path / "legacy.db").write_bytes(b"not a database, garbage " * 200)
        with pytest.raises(LegacyBroken):
            source.find("anyone")
        with pytest.raises(LegacyBroken):
            source.authenticate("anyone", PASSWORD)
        (record,) = self.errors(caplog)
        assert record.code == "SQLITE_NOTADB"  # type: ignore[attr-defined]
        assert "LEGACY_DATABASE_URL" in record.getMessage()

    @pytest.mark.parametrize(
        "columns",
        [
            "password_hash, email",
            "NULL AS username, password_hash",
            "'' AS username, password_hash",
        ],
        ids=["no username column", "null", "empty"],
    )
    def test_a_row_that_does_not_name_its_user_is_broken(
        self, store: Store, columns: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        login = new_login()
        store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com")
        source = store.source(legacy_user_query=store.user_query(columns))
        with pytest.raises(LegacyBroken):
            source.find(login)
        with pytest.raises(LegacyBroken):
            source.authenticate(login, PASSWORD)
        (record,) = self.errors(caplog)
        assert "SELECT login AS username" in record.getMessage()
        assert login not in caplog.text

    @pytest.mark.db_server
    def test_a_username_the_query_cannot_take_is_refused_for_that_name_only(
        self, stores: Stores, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A store keyed by number: `abc` cannot be anyone, and `42` still is someone."""
        store = stores.get("postgresql")
        login = new_login()
        number = str(uuid.uuid4().int % 10**9)
        store.add_user(login, bcrypt_hash(PASSWORD), legacy_id=number)
        source = store.source(
            legacy_user_query=store.user_query(
                "login AS username, password_hash",
                where="CAST(legacy_id AS integer) = CAST(:username AS integer)",
            )
        )
        with pytest.raises(LegacyRefused):
            source.find(login)
        assert self.errors(caplog) == []
        assert login not in caplog.text  # PostgreSQL's message quotes the value
        user = source.find(number)
        assert user is not None and user.username == login


def sqlite_source(folder: Path, query: str | None = None) -> SqlSource:
    """A source on a fresh SQLite database with an empty users table."""
    path = folder / "legacy.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (login TEXT, password_hash TEXT, email TEXT)")
    db.close()
    config = Config(
        legacy_database_url=f"sqlite:///{path}",
        legacy_user_query=query or USER_QUERY,
        legacy_timeout_seconds=TIMEOUT,
    )
    config.validate()
    return SqlSource(config)


class TestUsername:
    """The user is named by the store's row, never by the string a caller typed."""

    def test_an_email_finds_the_user_by_the_stores_name(self, store: Store) -> None:
        login = new_login()
        email = f"{login}@example.com"
        store.add_user(login, bcrypt_hash(PASSWORD), email=email)
        source = store.source(
            legacy_user_query=store.user_query(
                "login AS username, password_hash, email",
                where="login = :username OR email = :username",
            )
        )
        found = source.find(email)
        assert found is not None and found.username == login
        signed_in = source.authenticate(email, PASSWORD)
        assert signed_in == LegacyUser(login, {"email": email})

    def test_another_case_finds_the_user_by_the_stores_name(self, store: Store) -> None:
        login = new_login()
        store.add_user(login, bcrypt_hash(PASSWORD))
        # MariaDB's default collation compares case-insensitively; the others are told to.
        where = (
            "login = :username" if store.backend == "mariadb" else "lower(login) = lower(:username)"
        )
        source = store.source(
            legacy_user_query=store.user_query("login AS username, password_hash", where=where)
        )
        found = source.find(login.upper())
        assert found is not None and found.username == login
        signed_in = source.authenticate(login.upper(), PASSWORD)
        assert signed_in is not None and signed_in.username == login

    def test_the_name_is_taken_as_stored(self, store: Store) -> None:
        """Nothing is stripped or folded: the store's name is the Cognito username."""
        login = f" {new_login()}-Ünï "
        store.add_user(login, bcrypt_hash(PASSWORD))
        found = store.source().find(login)
        assert found is not None and found.username == login


# The forms a store uses for an account whose password can never verify.
LOCKED_HASHES = {
    "null": None,
    "empty": "",
    "star": "*",
    "bang": "!",
    "double bang": "!!",
    "locked bcrypt": "!" + bcrypt_hash(PASSWORD),
    "django unusable": "!" + "aZ3kP9xQ2mL7vB4nR8tY1wE6uI0oS5dF2gH7jK3l",
}


class TestLockedAccounts:
    @pytest.mark.parametrize("locked", list(LOCKED_HASHES.values()), ids=list(LOCKED_HASHES))
    def test_a_locked_account_is_found_unusable_and_never_signs_in(
        self,
        stores: Stores,
        locked: str | None,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store = stores.get("sqlite")
        known, login = new_login(), new_login()
        store.add_user(known, bcrypt_hash(PASSWORD))
        store.add_user(login, locked, email=f"{login}@example.com")
        source = store.source()
        assert source.find(known) is not None  # the store's usual hash, remembered
        seen = spy_verifications(monkeypatch)
        assert source.find(login) == LegacyUser(
            login, {"email": f"{login}@example.com"}, password_usable=False
        )
        # Even the right password of a locked bcrypt hash: the lock is the store's word.
        assert source.authenticate(login, PASSWORD) is None
        assert len(seen) == 1 and seen[0] not in (locked, LIBPASS_DUMMY)  # a real cost

    def test_a_locked_account_on_each_server(self, server_store: Store) -> None:
        login = new_login()
        server_store.add_user(login, LOCKED_HASHES["locked bcrypt"])
        source = server_store.source()
        found = source.find(login)
        assert found is not None and found.password_usable is False
        assert source.authenticate(login, PASSWORD) is None

    def test_a_hash_of_an_unknown_scheme_is_still_usable(self, stores: Stores) -> None:
        """Not locked, only unverifiable here (the HTTP source is for those)."""
        login = new_login()
        store = stores.get("sqlite")
        store.add_user(login, "$S$DGn2yBf1SxeKG0jZ7.K1r9DDxTVJdMbTs1r/BZDaAuJ8DyHvvOtJ")
        found = store.source().find(login)
        assert found is not None and found.password_usable is True


class TestDisabled:
    @pytest.mark.parametrize(
        ("value", "disabled"),
        [
            ("TRUE", True),
            ("1", True),
            ("'1'", True),
            ("'true'", True),
            ("'YES'", True),
            ("'t'", True),
            ("'Y'", True),
            ("CAST(1 AS DECIMAL(1))", True),
            ("FALSE", False),
            ("0", False),
            ("'0'", False),
            ("'no'", False),
            ("'f'", False),
            ("''", False),
            ("CAST(0 AS DECIMAL(1))", False),
            ("NULL", False),
        ],
    )
    def test_the_disabled_column_is_read_as_a_flag_never_an_attribute(
        self, store: Store, value: str, disabled: bool, caplog: pytest.LogCaptureFixture
    ) -> None:
        login = new_login()
        store.add_user(login, bcrypt_hash(PASSWORD), email=f"{login}@example.com")
        source = store.source(
            legacy_user_query=store.user_query(
                f"login AS username, password_hash, email, {value} AS disabled"
            )
        )
        expected = LegacyUser(login, {"email": f"{login}@example.com"}, disabled=disabled)
        assert source.find(login) == expected
        assert source.authenticate(login, PASSWORD) == expected
        assert "not understood" not in caplog.text  # understood, not merely counted as yes

    def test_without_a_disabled_column_no_one_is_disabled(self, store: Store) -> None:
        login = new_login()
        store.add_user(login, bcrypt_hash(PASSWORD))
        found = store.source().find(login)
        assert found is not None and found.disabled is False

    def test_a_value_not_understood_disables_and_is_logged_once_without_the_value(
        self, stores: Stores, caplog: pytest.LogCaptureFixture
    ) -> None:
        store = stores.get("sqlite")
        login = new_login()
        store.add_user(login, bcrypt_hash(PASSWORD))
        source = store.source(
            legacy_user_query=store.user_query(
                "login AS username, password_hash, 'suspended-by-ops' AS disabled"
            )
        )
        for _ in range(2):
            found = source.find(login)
            assert found is not None and found.disabled is True
        (record,) = [r for r in caplog.records if "flag not understood" in r.getMessage()]
        assert record.type == "str"  # type: ignore[attr-defined]
        assert "suspended-by-ops" not in caplog.text


def _one_user_source(stores: Stores) -> tuple[str, str, SqlSource]:
    """A new SQLite user with a phpass hash, and a fresh source (nothing remembered yet)."""
    store = stores.get("sqlite")
    login = new_login()
    stored = phpass_hash(PASSWORD)
    store.add_user(login, stored)
    return login, stored, store.source()


class TestTimingCost:
    """An unknown user costs a verification of a real hash of the store's own scheme."""

    def test_after_a_sign_in_an_unknown_user_verifies_against_that_users_hash(
        self, stores: Stores, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        login, stored, source = _one_user_source(stores)
        seen = spy_verifications(monkeypatch)
        assert source.authenticate(login, PASSWORD + "!") is None
        assert source.authenticate(new_login(), PASSWORD) is None
        assert seen == [stored, stored]

    def test_after_a_lookup_an_unknown_user_verifies_against_the_hash_looked_at(
        self, stores: Stores, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        login, stored, source = _one_user_source(stores)
        seen = spy_verifications(monkeypatch)
        assert source.find(login) is not None
        assert source.authenticate(new_login(), PASSWORD) is None
        assert seen == [stored]

    def test_before_any_hash_was_seen_libpass_dummy_is_the_cost(
        self, stores: Stores, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        source = stores.get("sqlite").source()
        seen = spy_verifications(monkeypatch)
        assert source.authenticate(new_login(), PASSWORD) is None
        assert seen == [LIBPASS_DUMMY]


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

    def test_a_reader_may_stop_early(self, store: Store) -> None:
        source = store.source(legacy_users_query=self.users_query(store))
        users = source.iter_users()
        assert next(users).username in self.logins
        users.close()  # the open cursor is closed, not left to the garbage collector
        assert source.find(self.logins[0]) is not None

    def test_rows_without_a_username_are_skipped(self, store: Store) -> None:
        query = (
            "SELECT CASE WHEN login = :first THEN NULL ELSE login END AS username "  # noqa: S608
            f"FROM users WHERE given_name = '{self.marker}'"
        ).replace(":first", f"'{self.logins[0]}'")
        source = store.source(legacy_users_query=query)
        assert sorted(user.username for user in source.iter_users()) == self.logins[1:]

    def test_a_users_query_without_a_username_column_is_broken(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        source = store.source(legacy_users_query="SELECT login, email FROM users")
        with pytest.raises(LegacyBroken):
            list(source.iter_users())
        assert "LEGACY_USERS_QUERY must return the user's own name" in caplog.text

    def test_bulk_rows_carry_the_disabled_flag_and_a_locked_hash(self, store: Store) -> None:
        locked = new_login()
        store.add_user(locked, "!", given_name=self.marker)
        query = (
            "SELECT login AS username, password_hash, "  # noqa: S608
            f"CASE WHEN login = '{self.logins[0]}' THEN 1 ELSE 0 END AS disabled "
            f"FROM users WHERE given_name = '{self.marker}'"
        )
        source = store.source(legacy_users_query=query)
        users = {user.username: user for user in source.iter_users()}
        assert users[self.logins[0]].disabled is True
        assert users[self.logins[1]].disabled is False
        assert users[locked].password_usable is False
        assert users[self.logins[1]].password_usable is True

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
                "SELECT 'x' AS username, CAST(pg_sleep(5) AS text) AS password_hash "
                "WHERE CAST(:username AS text) <> ''"
            )
        return (
            "SELECT 'x' AS username, CAST(SLEEP(5) AS CHAR) AS password_hash "
            "FROM DUAL WHERE :username <> ''"
        )

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
                legacy_user_query=USER_QUERY,
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
                    legacy_user_query=USER_QUERY,
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


@pytest.mark.db_server
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

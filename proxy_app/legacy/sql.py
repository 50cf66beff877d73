"""A legacy SQL database as a user source: read only, pooled, every wait bounded.

LEGACY_USER_QUERY finds one user by `:username` and returns the user's own name as a
`username` column (`ALICE` or an email may find the row of `alice`: the user is `alice`),
a `password_hash` column, an optional `disabled` column, and attribute columns named as
Cognito's; LEGACY_USERS_QUERY lists every user with the same columns (the hash optional).

A query or a database that cannot work (a missing table or column, a syntax error, a
corrupt file) raises LegacyBroken, logged once per process and cause with what to fix.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from proxy_app.config import Config, ConfigError
from proxy_app.legacy import (
    LegacyError,
    LegacyRefused,
    LegacyUnavailable,
    LegacyUser,
    broken,
    cognito_attributes,
    legacy_flag,
)
from proxy_app.legacy.passwords import PasswordHashes, usable_hash

log = logging.getLogger("proxy_app.legacy")

SUPPORTED_BACKENDS = ("postgresql", "mysql", "mariadb", "sqlite")
BULK_ROWS = 500  # rows fetched at a time by iter_users
POOL_SIZE = 5
POOL_OVERFLOW = 5
POOL_RECYCLE_SECONDS = 300  # under MySQL's and most proxies' idle limits
# SQLSTATE classes: connection exception, insufficient resources, operator intervention
# (statement timeout, shutdown), transaction rollback (deadlock), authorization.
_POSTGRES_UNAVAILABLE = frozenset({"08", "53", "57", "40", "28"})
# Client errors are 2000-2999 (cannot connect, gone away, lost connection); then too many
# connections, access denied, shutdown, lock wait, deadlock, connection killed, and the
# statement time limits of MariaDB (1969) and MySQL (3024).
_MYSQL_UNAVAILABLE = frozenset({"1040", "1045", "1053", "1205", "1213", "1927", "1969", "3024"})
# SQLite reports a busy lock and a missing file as OperationalError, like a network
# failure; its other OperationalErrors (syntax, no such table, read only) are the query's.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open")
# Columns that say something about the user but are never Cognito attributes.
_NOT_ATTRIBUTES = frozenset({"username", "password_hash", "disabled"})
_USERNAME_FIX = (
    "{setting} must return the user's own name as a `username` column, never null or "
    "empty, e.g. SELECT login AS username, password_hash, email FROM users WHERE ..."
)


class SqlSource:
    """Users from a legacy database through SQLAlchemy, never written to."""

    def __init__(self, config: Config) -> None:
        assert config.legacy_database_url and config.legacy_user_query
        self._emails_verified = config.legacy_emails_verified
        self._user_query = text(_statement(config.legacy_user_query))
        self._users_query = (
            None if config.legacy_users_query is None else _statement(config.legacy_users_query)
        )
        url = _database_url(config.legacy_database_url)
        self._backend = url.get_backend_name()
        self._engine = _engine(url, config.legacy_timeout_seconds)
        self._hashes = PasswordHashes()

    def authenticate(self, username: str, password: str) -> LegacyUser | None:
        """Return the user if the password verifies its legacy hash, else None."""
        row = self._lookup(username)
        password_hash = None if row is None else _password_hash(row)
        if row is None or not usable_hash(password_hash):
            # An unknown user, or a locked account, costs what a wrong password costs.
            self._hashes.dummy_verify(password)
            return None
        if not self._hashes.verify(password, password_hash):
            return None
        return self._user(row)

    def find(self, username: str) -> LegacyUser | None:
        """Return the user's profile without a password check, None if unknown."""
        row = self._lookup(username)
        if row is None:
            return None
        password_hash = _password_hash(row)
        if usable_hash(password_hash):
            self._hashes.remember(password_hash)
        return self._user(row)

    def iter_users(self) -> Iterator[LegacyUser]:
        """Yield every user LEGACY_USERS_QUERY lists, streamed in batches."""
        query = self._bulk_query()
        setting = "LEGACY_USERS_QUERY"
        with self._database_errors(setting), self._bulk_connection() as connection:
            result = connection.execution_options(stream_results=True, yield_per=BULK_ROWS).execute(
                text(query)
            )
            # Closed however the reading ends (an error, or a reader that stops early):
            # a driver's open server-side cursor must not outlive its connection.
            with result:
                for row in result.mappings():
                    if "username" not in row:
                        raise broken(
                            "legacy users query has no username column",
                            _USERNAME_FIX.format(setting=setting),
                        )
                    username = row["username"]
                    if not isinstance(username, str) or not username:
                        log.warning("legacy user without a username skipped")
                        continue
                    yield self._user(_columns(row))

    def count_users(self) -> int:
        """Count the rows LEGACY_USERS_QUERY lists."""
        query = f"SELECT COUNT(*) FROM ({self._bulk_query()}) AS legacy_users"  # noqa: S608
        with self._database_errors("LEGACY_USERS_QUERY"), self._bulk_connection() as connection:
            return int(connection.execute(text(query)).scalar_one())

    def dispose(self) -> None:
        """Close the pooled connections."""
        self._engine.dispose()

    def _bulk_query(self) -> str:
        if self._users_query is None:
            raise LegacyError("not supported: LEGACY_USERS_QUERY is not set")
        return self._users_query

    def _lookup(self, username: str) -> Mapping[str, Any] | None:
        """The user's row, its `username` and `password_hash` columns checked."""
        setting = "LEGACY_USER_QUERY"
        with self._database_errors(setting), self._engine.connect() as connection:
            result = connection.execute(self._user_query, {"username": username})
            # Read from the result's columns, so that a known and an unknown user meet a
            # broken query alike.
            columns = {str(name) for name in result.keys()}  # noqa: SIM118 - a Result, not a dict
            rows = result.mappings().fetchmany(2)
        if "password_hash" not in columns:
            raise broken(
                "legacy user query has no password_hash column",
                f"{setting} must return the user's hash as a `password_hash` column "
                "(NULL or empty for a user who cannot sign in)",
            )
        if "username" not in columns:
            raise broken(
                "legacy user query has no username column", _USERNAME_FIX.format(setting=setting)
            )
        if not rows:
            return None
        if len(rows) > 1:
            # Two accounts answer to one name: migrating either would be a guess.
            log.error("legacy user query returned more than one row for one username")
            raise LegacyRefused("more than one row for one username")
        row = _columns(rows[0])
        if not isinstance(row["username"], str) or not row["username"]:
            raise broken(
                "legacy user query returned no username", _USERNAME_FIX.format(setting=setting)
            )
        return row

    def _user(self, row: Mapping[str, Any]) -> LegacyUser:
        """The user a row describes; a row without a `password_hash` column is usable."""
        values = {name: value for name, value in row.items() if name not in _NOT_ATTRIBUTES}
        return LegacyUser(
            row["username"],
            cognito_attributes(values, emails_verified=self._emails_verified),
            password_usable="password_hash" not in row or usable_hash(_password_hash(row)),
            disabled=legacy_flag(row.get("disabled"), "disabled"),
        )

    @contextmanager
    def _bulk_connection(self) -> Iterator[Connection]:
        # A bulk listing streams for as long as its reader takes: the per-statement
        # limit is for lookups. PostgreSQL's SET LOCAL ends with the transaction; a
        # MySQL connection is dropped afterwards rather than pooled without its limit
        # (which also spares draining an unread stream).
        with self._engine.connect() as connection:
            if self._backend == "postgresql":
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                yield connection
            elif self._backend in ("mysql", "mariadb"):
                try:
                    _mysql_statement_limit(connection.connection.dbapi_connection, None)
                    yield connection
                finally:
                    connection.invalidate()
            else:
                yield connection

    @contextmanager
    def _database_errors(self, setting: str) -> Iterator[None]:
        """Turn SQLAlchemy's errors into the source's, `setting` naming the query run."""
        try:
            yield
        except PoolTimeout:
            log.warning("legacy database pool exhausted")
            raise LegacyUnavailable("no database connection free in time") from None
        except DBAPIError as exc:
            # The class and the driver's code only: messages can quote the username.
            details = {"error": type(exc.orig).__name__, "code": _driver_code(exc.orig)}
            if isinstance(exc, DataError) and not exc.connection_invalidated:
                # This username does not fit the query's types (`abc` cast to an integer
                # id): no user can have it. Every other name still gets its answer.
                log.warning("legacy query cannot take this username", extra=details)
                raise LegacyRefused("the legacy query cannot take this username") from None
            if self._unreachable(exc):
                log.warning("legacy database unavailable", extra=details)
                raise LegacyUnavailable("the legacy database failed") from None
            raise broken(
                "legacy database refused the query",
                f"check that LEGACY_DATABASE_URL names the legacy database (a file SQLite can "
                f"read, the right schema) and that {setting} runs there: table and column "
                "names, syntax, reads only",
                **details,
            ) from None
        except SQLAlchemyError as exc:
            # For example a statement that returns no rows: it can never find a user.
            raise broken(
                "legacy query unusable",
                f"{setting} must be a SELECT that returns rows",
                error=type(exc).__name__,
            ) from None

    def _unreachable(self, exc: DBAPIError) -> bool:
        # Drivers file a dropped connection and a read-only violation under the same
        # DB-API class (OperationalError), so the driver's own codes decide.
        if exc.connection_invalidated or isinstance(exc, InterfaceError):
            return True
        code = _driver_code(exc.orig)
        if self._backend == "postgresql":
            return code is None or code[:2] in _POSTGRES_UNAVAILABLE
        if self._backend in ("mysql", "mariadb"):
            return code is not None and (
                (code.startswith("2") and len(code) == 4) or code in _MYSQL_UNAVAILABLE
            )
        message = str(exc.orig).lower()
        return any(marker in message for marker in _SQLITE_UNAVAILABLE)


def _statement(query: str) -> str:
    # A trailing semicolon would end the COUNT(*) wrapper's subquery too early.
    return query.strip().rstrip(";").rstrip()


def _database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        # Never quote the URL: it may hold a password.
        raise ConfigError("LEGACY_DATABASE_URL", "not a SQLAlchemy URL") from None
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            "LEGACY_DATABASE_URL",
            f"unsupported database {url.get_backend_name()!r} "
            f"(supported: {', '.join(SUPPORTED_BACKENDS)})",
        )
    return url


def _engine(url: URL, timeout: float) -> Engine:
    backend = url.get_backend_name()
    connect_args: dict[str, Any]
    on_connect: Callable[[Any], None]
    pool: dict[str, Any] = {}
    if backend == "postgresql":
        milliseconds = max(1, round(timeout * 1000))
        connect_args = {
            # libpq counts whole seconds (and psycopg waits at least 2).
            "connect_timeout": max(1, math.ceil(timeout)),
            # A peer that stops acknowledging is dropped instead of waited on forever.
            "tcp_user_timeout": milliseconds,
            "application_name": "cognito-proxy",
            "options": f"-c statement_timeout={milliseconds} -c default_transaction_read_only=on",
        }
        on_connect = _nothing
    elif backend in ("mysql", "mariadb"):
        connect_args = {
            "connect_timeout": timeout,
            "read_timeout": timeout,
            "write_timeout": timeout,
        }

        def on_connect(dbapi_connection: Any) -> None:
            _mysql_statement_limit(dbapi_connection, timeout)
            with _cursor(dbapi_connection) as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")

    else:
        connect_args = {"timeout": timeout}  # how long to wait for a locked database

        def on_connect(dbapi_connection: Any) -> None:
            with _cursor(dbapi_connection) as cursor:
                cursor.execute("PRAGMA query_only = ON")

    if backend != "sqlite":
        pool = {
            "pool_size": POOL_SIZE,
            "max_overflow": POOL_OVERFLOW,
            "pool_timeout": timeout,
            "pool_recycle": POOL_RECYCLE_SECONDS,
        }
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)
    except (NoSuchModuleError, ImportError):
        raise ConfigError(
            "LEGACY_DATABASE_URL",
            f"no installed driver for {url.drivername!r} "
            "(use postgresql+psycopg, mysql+pymysql or sqlite)",
        ) from None
    event.listen(engine, "connect", lambda dbapi_connection, _record: on_connect(dbapi_connection))
    return engine


def _mysql_statement_limit(dbapi_connection: Any, seconds: float | None) -> None:
    # MariaDB and MySQL name the limit differently (seconds and milliseconds); 0 lifts it.
    if "mariadb" in dbapi_connection.get_server_info().lower():
        statement = f"SET SESSION max_statement_time = {seconds or 0:.3f}"
    else:
        statement = f"SET SESSION max_execution_time = {round((seconds or 0) * 1000)}"
    with _cursor(dbapi_connection) as cursor:
        cursor.execute(statement)


@contextmanager
def _cursor(dbapi_connection: Any) -> Iterator[Any]:
    cursor = dbapi_connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _nothing(_dbapi_connection: Any) -> None:
    pass


def _columns(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(name): value for name, value in row.items()}


def _password_hash(row: Mapping[str, Any]) -> str | None:
    value = row["password_hash"]
    if isinstance(value, bytes | bytearray | memoryview):
        # A BINARY or BLOB column: hashes are ASCII.
        value = bytes(value).decode("ascii", "replace")
    return value if isinstance(value, str) and value else None


def _driver_code(error: BaseException | None) -> str | None:
    if error is not None and error.args and isinstance(error.args[0], int):
        return str(error.args[0])  # PyMySQL's error number
    code = getattr(error, "sqlstate", None)  # psycopg's SQLSTATE
    if code is None:
        code = getattr(error, "sqlite_errorname", None)  # SQLite's: SQLITE_NOTADB
    return None if code is None else str(code)

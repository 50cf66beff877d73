"""Legacy user stores for the tests: SQLite, PostgreSQL and MariaDB, each test's own.

The servers run on 127.0.0.1 (PostgreSQL 5432, user postgres or root; MariaDB 3306, user
root). Each store is a database made for the test module and dropped after it. A server
that cannot be reached skips the tests that need it, with the reason; under CI (env `CI`
set) it fails them, since CI machines have both servers.

A test that reaches a server is marked `db_server` (`backend_params` marks parameters), so
that `make test-fast` can leave it out; there TESTS_WITHOUT_DB_SERVERS is set, and a test
that reaches a server all the same fails and says to mark it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from passlib.context import CryptContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from proxy_app import legacy
from proxy_app.config import Config
from proxy_app.legacy.passwords import PasswordHashes
from proxy_app.legacy.sql import SqlSource

BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVER_BACKENDS = ("postgresql", "mariadb")
POSTGRES_USERS = ("postgres", "root")
HOST = "127.0.0.1"
PORTS = {"postgresql": 5432, "mariadb": 3306}


def backend_params(*backends: str) -> list[Any]:
    """Parameters for these backends; a server's is marked `db_server`."""
    return [
        pytest.param(backend, marks=pytest.mark.db_server)
        if backend in SERVER_BACKENDS
        else backend
        for backend in backends
    ]


def unavailable(reason: str) -> None:
    """Skip with the reason locally; fail under CI, where every server must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs this server: {reason}")
    pytest.skip(reason)


def count_dummy_verifications(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """Record each dummy verification (which still runs) in the list returned."""
    calls: list[None] = []
    original = PasswordHashes.dummy_verify

    def counting(self: PasswordHashes, password: str) -> None:
        calls.append(None)
        original(self, password)

    monkeypatch.setattr(PasswordHashes, "dummy_verify", counting)
    return calls


LIBPASS_DUMMY = "(libpass's own dummy)"


def spy_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the hash each libpass verification checks (which still runs), in order.

    libpass's own dummy verification is recorded as LIBPASS_DUMMY, not as its hash.
    """
    seen: list[str] = []
    verify, dummy_verify = CryptContext.verify, CryptContext.dummy_verify
    inside_dummy = False

    def spying_verify(self: CryptContext, secret: Any, password_hash: str, **kwargs: Any) -> Any:
        if not inside_dummy:
            seen.append(password_hash)
        return verify(self, secret, password_hash, **kwargs)

    def spying_dummy_verify(self: CryptContext) -> Any:
        nonlocal inside_dummy
        seen.append(LIBPASS_DUMMY)
        inside_dummy = True
        try:
            return dummy_verify(self)
        finally:
            inside_dummy = False

    monkeypatch.setattr(CryptContext, "verify", spying_verify)
    monkeypatch.setattr(CryptContext, "dummy_verify", spying_dummy_verify)
    return seen


def forget_reported_causes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test see the once-per-process logs of broken stores and odd flags again."""
    monkeypatch.setattr(legacy, "_MET", {})


@dataclass
class Store:
    """One legacy database with a `users` table, and sources built on it."""

    backend: str
    url: str
    engine: Engine
    sources: list[SqlSource] = field(default_factory=list)

    def quote(self, name: str) -> str:
        """Quote a column alias such as `custom:tier` for this database."""
        return f"`{name}`" if self.backend == "mariadb" else f'"{name}"'

    def user_query(self, columns: str | None = None, where: str = "login = :username") -> str:
        """The LEGACY_USER_QUERY the tests use, with attribute columns."""
        if columns is None:
            columns = (
                "login AS username, password_hash, email, email_verified, given_name, birthdate, "
                f"tier AS {self.quote('custom:tier')}, legacy_id AS sub, "
                f"login AS {self.quote('cognito:username')}"
            )
        return f"SELECT {columns} FROM users WHERE {where}"  # noqa: S608

    def add_user(self, login: str, password_hash: str | None, **columns: Any) -> None:
        """Insert one row into the users table."""
        values = {"login": login, "password_hash": password_hash, **columns}
        names = ", ".join(values)
        params = ", ".join(f":{name}" for name in values)
        with self.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO users ({names}) VALUES ({params})"), values)  # noqa: S608

    def rows(self) -> int:
        """Count the rows of the users table (to show nothing was written)."""
        with self.engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM users")).scalar_one())

    def config(self, **overrides: Any) -> Config:
        """A Config whose legacy source is this store."""
        values: dict[str, Any] = {
            "legacy_database_url": self.url,
            "legacy_user_query": self.user_query(),
            "legacy_timeout_seconds": 1.0,
        }
        values.update(overrides)
        config = Config(**values)
        config.validate()
        return config

    def source(self, **overrides: Any) -> SqlSource:
        """A SqlSource on this store, disposed when the module's store is dropped."""
        source = SqlSource(self.config(**overrides))
        self.sources.append(source)
        return source


_TABLE = """
CREATE TABLE users (
    login VARCHAR(200) NOT NULL,
    password_hash VARCHAR(300),
    email VARCHAR(200),
    email_verified BOOLEAN,
    given_name VARCHAR(200),
    birthdate DATE,
    tier VARCHAR(50),
    legacy_id VARCHAR(50)
)
"""


def _admin_engine(backend: str) -> tuple[Engine, str]:
    """An engine on the server's default database, and the URL prefix that worked."""
    if os.environ.get("TESTS_WITHOUT_DB_SERVERS"):
        pytest.fail(f"this test reaches {backend}: mark it db_server (make test-fast skips those)")
    if backend == "postgresql":
        for user in POSTGRES_USERS:
            prefix = f"postgresql+psycopg://{user}@{HOST}:{PORTS[backend]}"
            engine = create_engine(
                f"{prefix}/postgres",
                isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": 3},
            )
            try:
                with engine.connect():
                    return engine, prefix
            except Exception as exc:
                engine.dispose()
                reason = f"PostgreSQL on {HOST}:{PORTS[backend]}: {type(exc).__name__}"
        unavailable(reason)
    prefix = f"mysql+pymysql://root@{HOST}:{PORTS[backend]}"
    engine = create_engine(f"{prefix}/", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return engine, prefix
    except Exception as exc:
        engine.dispose()
        unavailable(f"MariaDB on {HOST}:{PORTS[backend]}: {type(exc).__name__}")
    raise AssertionError("unreachable")


class Stores:
    """The stores of one test module, one per backend, made on first use, dropped at exit."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._made: dict[str, tuple[Store, Callable[[], None] | None]] = {}

    def __enter__(self) -> Stores:
        return self

    def __exit__(self, *_exc: object) -> None:
        for store, drop in self._made.values():
            for source in store.sources:
                source.dispose()
            store.engine.dispose()
            if drop is not None:
                drop()

    def get(self, backend: str) -> Store:
        """The module's store on this backend."""
        if backend not in self._made:
            self._made[backend] = self._make(backend)
        return self._made[backend][0]

    def _make(self, backend: str) -> tuple[Store, Callable[[], None] | None]:
        name = f"legacy_{uuid.uuid4().hex[:12]}"
        drop: Callable[[], None] | None = None
        if backend == "sqlite":
            url = f"sqlite:///{self._folder / name}.db"
        else:
            admin, prefix = _admin_engine(backend)
            with admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
            url = f"{prefix}/{name}"
            force = " WITH (FORCE)" if backend == "postgresql" else ""

            def drop() -> None:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
                admin.dispose()

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(_TABLE)
        return Store(backend, url, engine), drop

"""What a failed legacy sign-in costs: an unknown user and a locked one against a known one.

The answer time must not tell which legacy accounts exist. For each store (SQLite, and
PostgreSQL when 127.0.0.1:5432 answers) and each hash scheme (Django's pbkdf2_sha256 at
10,000 rounds, a cheap one; bcrypt of cost 10), one SqlSource's authenticate() runs four
sides, alternately, round by round (the order rotated every round):

- known: a known user with a wrong password: the baseline;
- known again: the same, as a side of its own (this run's resolution);
- unknown: a name the store lacks;
- locked: a user whose hash is `!` before a real hash (a locked account).

Medians of the rounds are printed with their ratios to the baseline (aim: each near 1.00).
For reference, libpass's own dummy verification (a bcrypt of cost 12, what an unknown user
cost before the source remembered the store's own hash) is timed too, five times after the
rounds, against the same baseline.

    .venv/bin/python bench/legacy_timing.py [--calls 3] [--rounds 15]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import bcrypt
from passlib.context import CryptContext
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proxy_app.config import Config
from proxy_app.legacy.passwords import SCHEMES
from proxy_app.legacy.sql import SqlSource

PASSWORD = "legacy-Passw0rd!"
WRONG = "not-the-password"
USERS = 50
BCRYPT_COST = 10
DJANGO_ROUNDS = 10_000
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
QUERY = "SELECT login AS username, password_hash, email FROM users WHERE login = :username"


def django_pbkdf2_sha256(password: str) -> str:
    """Django's `pbkdf2_sha256$rounds$salt$digest`, made as Django makes it."""
    salt = base64.b64encode(os.urandom(12)).decode().replace("+", "a").replace("/", "b")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), DJANGO_ROUNDS)
    return f"pbkdf2_sha256${DJANGO_ROUNDS}${salt}${base64.b64encode(digest).decode()}"


def bcrypt_10(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()


SCHEME_MAKERS: dict[str, Callable[[str], str]] = {
    f"django pbkdf2_sha256, {DJANGO_ROUNDS:,} rounds": django_pbkdf2_sha256,
    f"bcrypt, cost {BCRYPT_COST}": bcrypt_10,
}


def fill(url: str, make_hash: Callable[[str], str]) -> None:
    """A users table of USERS users of one scheme, plus `locked`."""
    engine = create_engine(url)
    rows = [
        {"login": f"user-{n:04d}", "hash": make_hash(PASSWORD), "email": f"user-{n}@example.com"}
        for n in range(USERS)
    ]
    rows.append({"login": "locked", "hash": "!" + make_hash(PASSWORD), "email": "l@example.com"})
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE users "
            "(login VARCHAR(200) PRIMARY KEY, password_hash VARCHAR(300), email VARCHAR(200))"
        )
        connection.execute(text("INSERT INTO users VALUES (:login, :hash, :email)"), rows)
    engine.dispose()


class Databases:
    """Empty databases made on demand: SQLite files, PostgreSQL ones when it answers."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._made: list[str] = []
        self._admin = create_engine(
            f"{POSTGRES}/postgres",
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3},
        )
        self.backends = ["sqlite"]
        try:
            with self._admin.connect():
                self.backends.append("postgresql")
        except Exception as exc:
            print(f"PostgreSQL on 127.0.0.1:5432 unreachable ({type(exc).__name__}): SQLite only")

    def make(self, backend: str) -> str:
        """A new empty database's URL."""
        name = f"legacy_timing_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            return f"sqlite:///{self._folder / name}.db"
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        self._made.append(name)
        return f"{POSTGRES}/{name}"

    def drop(self) -> None:
        """Drop the PostgreSQL databases made (SQLite's go with their folder)."""
        if self._made:
            with self._admin.connect() as connection:
                for name in self._made:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._admin.dispose()


@contextmanager
def databases() -> Iterator[Databases]:
    with TemporaryDirectory() as scratch:
        made = Databases(Path(scratch))
        try:
            yield made
        finally:
            made.drop()


def interleaved(
    sides: dict[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, float]:
    """Median seconds per call of each side, the sides alternating round by round."""
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            for _ in range(calls):
                sides[name]()
            times[name].append((time.perf_counter() - started) / calls)
    return {name: statistics.median(values) for name, values in times.items()}


def measure(url: str, calls: int, rounds: int) -> dict[str, float]:
    """Median seconds of each side on one store, and of libpass's dummy for reference."""
    config = Config(legacy_database_url=url, legacy_user_query=QUERY)
    config.validate()
    source = SqlSource(config)
    names = (f"nobody-{n}" for n in range(10**9))

    def known() -> None:
        assert source.authenticate("user-0007", WRONG) is None

    def unknown() -> None:
        assert source.authenticate(next(names), WRONG) is None

    def locked() -> None:
        assert source.authenticate("locked", PASSWORD) is None

    try:
        assert source.authenticate("user-0003", PASSWORD) is not None  # warm: pool, backends
        medians = interleaved(
            {"known": known, "known again": known, "unknown": unknown, "locked": locked},
            calls,
            rounds,
        )
    finally:
        source.dispose()
    # A quarter of a second a call, and no side of the choice: timed apart, a few times.
    before = CryptContext(schemes=list(SCHEMES))
    before.dummy_verify()
    medians["libpass dummy"] = interleaved({"dummy": before.dummy_verify}, 1, 5)["dummy"]
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="calls a round and side")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results = []
    with databases() as made:
        for backend in made.backends:
            for scheme, make_hash in SCHEME_MAKERS.items():
                url = made.make(backend)
                fill(url, make_hash)
                medians = measure(url, args.calls, args.rounds)
                baseline = medians["known"]
                print(f"{backend}, {scheme} (medians of {args.rounds} rounds of {args.calls})")
                for side, label in (
                    ("known", "known user, wrong password (baseline)"),
                    ("known again", "the baseline again, as a side of its own"),
                    ("unknown", "unknown user"),
                    ("locked", "locked account (`!` + hash), right password"),
                    ("libpass dummy", "for reference: libpass's own dummy (before)"),
                ):
                    ms = medians[side] * 1000
                    print(f"  {label:46}: {ms:8.2f} ms  ratio {medians[side] / baseline:6.2f}")
                results.append(
                    {
                        "backend": backend,
                        "scheme": scheme,
                        "known_ms": round(baseline * 1000, 3),
                        **{
                            f"{side.replace(' ', '_')}_ratio": round(medians[side] / baseline, 3)
                            for side in ("known again", "unknown", "locked", "libpass dummy")
                        },
                    }
                )
    print(json.dumps({"rounds": args.rounds, "calls": args.calls, "results": results}))


if __name__ == "__main__":
    main()

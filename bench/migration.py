"""First sign-in through migration against a normal sign-in, in the same run.

One standalone moto server (Cognito and DynamoDB), one SQLite legacy store whose users
have bcrypt hashes of cost 10 (a common production cost). Interleaved: a user already in
Cognito signs in, then a legacy-only user signs in for the first time (and is migrated),
`--users` times. Prints the median of each, their ratio, and where a migration's time
goes (the legacy check, the Cognito calls).

    .venv/bin/python bench/migration.py [--users 60]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import PASSWORD, REGION, create_pool, fake_credentials, moto_server

QUERY = "SELECT username, password_hash, email FROM users WHERE username = :username"
BCRYPT_COST = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60)
    args = parser.parse_args()
    fake_credentials()
    from proxy_app import create_app
    from proxy_app.aws.table import Records
    from proxy_app.config import Config

    with moto_server() as endpoint, tempfile.TemporaryDirectory() as scratch:
        pool, client_id, known, _ = create_pool(endpoint, users=args.users)
        database = Path(scratch) / "legacy.sqlite"
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
        legacy = [f"legacy-{n}@example.com" for n in range(args.users)]
        with sqlite3.connect(database) as db:
            db.execute("CREATE TABLE users (username TEXT, password_hash TEXT, email TEXT)")
            db.executemany("INSERT INTO users VALUES (?, ?, ?)", [(u, hashed, u) for u in legacy])
        config = Config(
            region=REGION,
            user_pool_id=pool,
            app_client_id=client_id,
            endpoint_url=endpoint,
            records_table="bench-service-table",
            dynamodb_endpoint_url=endpoint,
            legacy_database_url=f"sqlite:///{database}",
            legacy_user_query=QUERY,
        )
        Records(config).create_table()
        app = create_app(config)
        client = app.test_client()
        normal, migrated, checks = [], [], []
        source = app.extensions["services"].migration._source
        original = source.authenticate

        def timed_authenticate(username: str, password: str) -> object:
            started = time.perf_counter()
            try:
                return original(username, password)
            finally:
                checks.append(time.perf_counter() - started)

        source.authenticate = timed_authenticate
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            for old, new in zip(known, legacy, strict=True):
                for name, into in ((old, normal), (new, migrated)):
                    started = time.perf_counter()
                    response = client.post(
                        "/admin/signin", json={"username": name, "password": PASSWORD}
                    )
                    into.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.json
        normal_ms = statistics.median(normal) * 1000
        migrated_ms = statistics.median(migrated) * 1000
        check_ms = statistics.median(checks) * 1000
        print(f"normal sign-in (user in Cognito)        : {normal_ms:8.2f} ms (median)")
        print(f"first sign-in through migration         : {migrated_ms:8.2f} ms (median)")
        print(f"  of which the legacy check (bcrypt {BCRYPT_COST})  : {check_ms:8.2f} ms")
        print(f"  of which Cognito (4 calls) and the rest : {migrated_ms - check_ms:8.2f} ms")
        print(f"ratio migration / normal                : {migrated_ms / normal_ms:8.2f}")
        print(
            json.dumps(
                {
                    "users": args.users,
                    "normal_ms": round(normal_ms, 2),
                    "migration_ms": round(migrated_ms, 2),
                    "legacy_check_ms": round(check_ms, 2),
                    "ratio": round(migrated_ms / normal_ms, 2),
                }
            )
        )


if __name__ == "__main__":
    main()

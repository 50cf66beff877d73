"""`flask users import` of N legacy users, and where the time goes.

A standalone moto server (its own process) and a SQLite legacy store of N users. Each
run is a fresh pool and a fresh `flask --app wsgi users import` process, timed whole
(start-up included) and by its own report. Baselines: reading the legacy store alone,
and the same AdminCreateUser calls made with boto3 directly, one after another.

    .venv/bin/python bench/bulk_import.py [--users 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import REGION, app_environment, fake_credentials, moto_server

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")

USERS_QUERY = (
    "SELECT login AS username, email, email_verified, given_name, "
    'tier AS "custom:tier" FROM users ORDER BY login'
)
USER_QUERY = "SELECT login AS username, password_hash FROM users WHERE login = :username"


def legacy_store(folder: Path, users: int) -> str:
    """A SQLite legacy store of `users` users; return its URL."""
    url = f"sqlite:///{folder / 'legacy.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE users (login TEXT, password_hash TEXT, email TEXT, "
            "email_verified BOOLEAN, given_name TEXT, tier TEXT)"
        )
        connection.execute(
            text(
                "INSERT INTO users VALUES "
                "(:login, :password_hash, :email, :email_verified, :given_name, :tier)"
            ),
            [
                {
                    "login": f"user-{number:06d}",
                    "password_hash": "$2b$12$" + "x" * 53,
                    "email": f"user-{number:06d}@example.com",
                    "email_verified": True,
                    "given_name": f"User {number}",
                    "tier": "gold",
                }
                for number in range(users)
            ],
        )
    engine.dispose()
    return url


def fresh_pool(cognito: Any) -> tuple[str, str]:
    pool = cognito.create_user_pool(
        PoolName="bulk", Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(UserPoolId=pool, ClientName="bulk")
    return pool, client["UserPoolClient"]["ClientId"]


def flask_import(environment: dict[str, str], report: Path, *options: str) -> dict[str, Any]:
    """Run `flask users import` in its own process; return its report and wall time."""
    started = time.perf_counter()
    finished = subprocess.run(
        [FLASK, "--app", "wsgi", "users", "import", "--report", str(report), *options],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"import failed ({finished.returncode}): {finished.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(report.read_text())
    answer["wall"] = wall
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    fake_credentials()
    rows: list[tuple[str, float, float, str]] = []
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as folder:
        cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
        url = legacy_store(Path(folder), args.users)

        from proxy_app.config import Config
        from proxy_app.legacy.sql import SqlSource

        source = SqlSource(
            Config(
                legacy_database_url=url,
                legacy_user_query=USER_QUERY,
                legacy_users_query=USERS_QUERY,
            )
        )
        started = time.perf_counter()
        legacy = list(source.iter_users())
        read = time.perf_counter() - started
        source.dispose()
        rows.append(("read the legacy store only", read, len(legacy) / read, "-"))

        pool, _ = fresh_pool(cognito)
        calls: list[float] = []
        for user in legacy:
            started = time.perf_counter()
            cognito.admin_create_user(
                UserPoolId=pool,
                Username=user.username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in user.attributes.items()],
                MessageAction="SUPPRESS",
            )
            calls.append(time.perf_counter() - started)
        direct = sum(calls)
        rows.append(("boto3 AdminCreateUser, one at a time", direct, len(legacy) / direct, "-"))
        tenth = max(1, len(calls) // 10)
        first, last = sum(calls[:tenth]) / tenth, sum(calls[-tenth:]) / tenth

        started = time.perf_counter()
        subprocess.run(
            [FLASK, "--app", "wsgi", "users", "--help"],
            cwd=ROOT,
            env={**os.environ, **app_environment(endpoint, pool, "unused0client0id")},
            capture_output=True,
            check=True,
        )
        start_up = time.perf_counter() - started

        runs = [
            ("import, --workers 1, unpaced", ("--workers", "1", "--rate", "10000")),
            ("import, --workers 4, unpaced", ("--workers", "4", "--rate", "10000")),
            ("import, defaults (40/s, 4 workers)", ()),
        ]
        from proxy_app.aws.table import Records

        # The import marks the accounts it creates in the service's table.
        Records(
            Config(
                region=REGION, records_table="bench-import-table", dynamodb_endpoint_url=endpoint
            )
        ).create_table()
        base = {
            **os.environ,
            "REVOCATION_TABLE": "bench-import-table",
            "DYNAMODB_ENDPOINT_URL": endpoint,
            "LEGACY_DATABASE_URL": url,
            "LEGACY_USER_QUERY": USER_QUERY,
            "LEGACY_USERS_QUERY": USERS_QUERY,
            "LOG_LEVEL": "WARNING",
        }
        for label, options in runs:
            pool, client_id = fresh_pool(cognito)
            environment = {**base, **app_environment(endpoint, pool, client_id)}
            report = flask_import(environment, Path(folder) / "report.json", *options)
            assert report["counts"]["created"] == args.users, report["counts"]
            rows.append(
                (label, report["seconds"], args.users / report["seconds"], f"{report['wall']:.1f}")
            )
            if not options:
                # Run again on the same pool: everyone is skipped (a resumed import).
                again = flask_import(environment, Path(folder) / "again.json", "--rate", "10000")
                assert again["counts"]["skipped"] == args.users, again["counts"]
                rows.append(
                    (
                        "import again, all skipped, unpaced",
                        again["seconds"],
                        args.users / again["seconds"],
                        f"{again['wall']:.1f}",
                    )
                )

    print(f"{args.users} legacy users, SQLite store, standalone moto server\n")
    print("| run | seconds | users/s (= AdminCreateUser calls/s) | process wall s |")
    print("| --- | --- | --- | --- |")
    for label, seconds, per_second, wall in rows:
        print(f"| {label} | {seconds:.2f} | {per_second:.0f} | {wall} |")
    print(
        f"\nboto3 AdminCreateUser against moto: {first * 1000:.1f} ms a call for the first "
        f"tenth of the pool, {last * 1000:.1f} ms for the last tenth; "
        f"`flask --app wsgi users --help` process: {start_up:.2f} s"
    )


if __name__ == "__main__":
    main()

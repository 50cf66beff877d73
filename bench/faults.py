"""Answer time of each Cognito fault, with the gateway's default timeouts and retries.

A fake Cognito on 127.0.0.1 (tests/support/fake_cognito.py) sits between the app and a standalone
moto server; for each fault it is switched to that behaviour, POST /admin/signin is timed
through the WSGI app, then the fake is healed and the next answer is timed too. The
healthy answer time through the same fake is the baseline. "calls" is counted: the
requests the fake received, or for a closed port (which nothing can receive) the
attempts the app's boto3 client made.

    python bench/faults.py [--repeat 3] [--connect-timeout 2] [--read-timeout 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from _moto import PASSWORD, REGION, create_pool, fake_credentials, moto_server  # noqa: E402

from proxy_app import create_app  # noqa: E402
from proxy_app.aws.cognito import MAX_ATTEMPTS  # noqa: E402
from proxy_app.config import Config  # noqa: E402
from tests.support.fake_cognito import FakeCognito, count_sends  # noqa: E402
from tests.support.network import closed_port  # noqa: E402

FAULTS = ("unreachable", "hang", "error500", "garbage", "not_http", "throttle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connect-timeout", type=float, default=Config.connect_timeout)
    parser.add_argument("--read-timeout", type=float, default=Config.read_timeout)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fake_credentials()
    logging.getLogger("proxy_app").disabled = True
    rows: list[dict[str, Any]] = []
    with moto_server() as endpoint:
        pool, client_id, names, _ = create_pool(endpoint, users=1)
        credentials = {"username": names[0], "password": PASSWORD}

        def app_at(url: str) -> tuple[Any, list[str]]:
            """A test client on an app whose Cognito is `url`, and its sent requests."""
            config = Config(
                region=REGION,
                user_pool_id=pool,
                app_client_id=client_id,
                endpoint_url=url,
                connect_timeout=args.connect_timeout,
                read_timeout=args.read_timeout,
                log_level="ERROR",
            )
            app = create_app(config)
            return app.test_client(), count_sends(app.extensions["cognito_gateway"].client)

        def timed(client: Any) -> tuple[Any, float]:
            started = time.perf_counter()
            response = client.post("/admin/signin", json=credentials)
            return response, time.perf_counter() - started

        with FakeCognito("proxy", upstream=endpoint) as fake:
            client, _ = app_at(fake.url)
            timed(client)  # warm up: client creation, connection pool
            for fault in ("healthy", *FAULTS):
                times: list[float] = []
                recovery: list[float] = []
                calls: list[int] = []
                response: Any = None
                for _ in range(args.repeat):
                    if fault == "unreachable":
                        port = closed_port()
                        client, sent = app_at(f"http://127.0.0.1:{port}")
                        response, seconds = timed(client)
                        calls.append(len(sent))
                        with FakeCognito("proxy", upstream=endpoint, port=port):
                            healed, heal_seconds = timed(client)
                        client, _ = app_at(fake.url)
                        timed(client)
                    else:
                        before = fake.requests
                        if fault != "healthy":
                            fake.switch(fault)
                        response, seconds = timed(client)
                        calls.append(fake.requests - before)
                        fake.switch("proxy")
                        healed, heal_seconds = timed(client)
                    assert healed.status_code == 200, healed.get_json()
                    times.append(seconds)
                    recovery.append(heal_seconds)
                body = response.get_json()
                rows.append(
                    {
                        "fault": fault,
                        "status": response.status_code,
                        "code": body.get("code", "-"),
                        "retryAfter": response.headers.get("Retry-After", "-"),
                        # Every run's count; a range if runs differ.
                        "calls": "-".join(str(n) for n in sorted({min(calls), max(calls)})),
                        "medianMs": statistics.median(times) * 1000,
                        "maxMs": max(times) * 1000,
                        "recoveryMs": statistics.median(recovery) * 1000,
                    }
                )
    baseline = rows[0]["medianMs"]
    print(
        f"POST /admin/signin, connect {args.connect_timeout} s, read {args.read_timeout} s, "
        f"at most {MAX_ATTEMPTS} attempts configured, {args.repeat} runs each"
    )
    print(
        f"{'fault':12} {'status':>6} {'code':20} {'Retry-After':>11} {'calls':>5} "
        f"{'median ms':>10} {'max ms':>9} {'x healthy':>9} {'healed ms':>9}"
    )
    for row in rows:
        print(
            f"{row['fault']:12} {row['status']:6d} {row['code']:20} {row['retryAfter']:>11} "
            f"{row['calls']:>5} {row['medianMs']:10.1f} {row['maxMs']:9.1f} "
            f"{row['medianMs'] / baseline:9.1f} {row['recoveryMs']:9.1f}"
        )
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()

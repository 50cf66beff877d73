"""Load: the app under gunicorn (2 workers, threads) against a standalone moto server.

N concurrent users (a thread each, urllib3 keep-alive) each repeat a flow: sign-up
(auto-confirm), sign-in, refresh, token check, attribute update. Prints requests/s,
p50/p95/p99 per route and the error count; then checks that every user who got a 201
can sign in (nothing lost).
The floor (the ceiling no proxy can pass) is the same flow's Cognito calls made with boto3
directly, by as many threads, to the same moto server. The two sides alternate in rounds
(D seconds per side in all, split over R rounds, order swapped each round), so that the
other load on the machine falls on both; the ratio compares completed flows per second.

Gunicorn runs 2 workers of 16 threads: the proxy spends most of a request waiting on
Cognito, so with fewer threads than the users in flight (8 each measured 0.87 of the floor,
16 each 0.92) requests queue in the proxy that Cognito could already be serving.
It also prints the CPU milliseconds each flow costs moto, gunicorn and this process.

    python bench/load.py [--users 50] [--duration 60] [--rounds 4] [--threads 16] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import urllib3
from botocore.config import Config as BotoConfig

sys.path.insert(0, str(Path(__file__).parent))
from _moto import REGION, create_pool, fake_credentials, free_port, moto_process

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Load-Passw0rd!"
JSON = {"Content-Type": "application/json"}
ROUTES = (
    "POST /signup",
    "POST /admin/signin",
    "POST /admin/refresh",
    "GET /token/valid",
    "POST /admin/user/attribute",
)


def start_gunicorn(
    endpoint: str, pool: str, client_id: str, workers: int, threads: int
) -> tuple[Any, str]:
    """Serve wsgi:app with gunicorn on 127.0.0.1; return the process and its URL."""
    port = free_port()
    env = {
        **os.environ,
        "COGNITO_USER_POOL_ID": pool,
        "COGNITO_APP_CLIENT_ID": client_id,
        "COGNITO_ENDPOINT_URL": endpoint,
        "REGION_NAME": REGION,
        "AUTOCONFIRM_USER": "true",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1).close()
            return process, url
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.created: list[str] = []
        self.flows = 0
        self.lock = threading.Lock()

    def record(self, route: str, seconds: float, ok: bool, detail: str) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            if not ok:
                self.errors[route] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{route}: {detail[:200]}")


def call(http: urllib3.HTTPConnectionPool, rec: Recorder, route: str, expected: int,
         body: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> dict[str, Any] | None:  # fmt: skip
    """Make one request; record its latency and whether it answered `expected`."""
    method, path = route.split(" ", 1)
    started = time.perf_counter()
    try:
        response = http.request(method, path, body=None if body is None else json.dumps(body),
                                headers={**JSON, **(headers or {})})  # fmt: skip
    except urllib3.exceptions.HTTPError as exc:
        rec.record(route, time.perf_counter() - started, False, repr(exc))
        return None
    ok = response.status == expected
    rec.record(route, time.perf_counter() - started, ok,
               f"{response.status} {response.data.decode(errors='replace')}")  # fmt: skip
    return json.loads(response.data) if ok else None


def user_flow(http: urllib3.HTTPConnectionPool, rec: Recorder, deadline: float) -> None:
    while time.monotonic() < deadline:
        username = f"load-{uuid.uuid4().hex[:16]}@example.com"
        credentials = {"username": username, "password": PASSWORD}
        if call(http, rec, "POST /signup", 201, credentials) is None:
            continue
        with rec.lock:
            rec.created.append(username)
        tokens = call(http, rec, "POST /admin/signin", 200, credentials)
        if tokens is None:
            continue
        refreshed = call(http, rec, "POST /admin/refresh", 200,
                         {"refreshToken": tokens["refreshToken"]})  # fmt: skip
        id_token = (refreshed or tokens)["idToken"]
        call(http, rec, "GET /token/valid", 200, headers={"idToken": id_token})
        call(http, rec, "POST /admin/user/attribute", 200,
             {"idToken": id_token, "attributeName": "name", "attributeValue": "Ada"})  # fmt: skip
        with rec.lock:
            rec.flows += 1


def drive(url: str, users: int, duration: float, rec: Recorder) -> float:
    """Run the users' flows for `duration` seconds, recording into `rec`; return the time.

    One thread per user, each with a blocking HTTP/1.1 keep-alive connection: the same
    shape as the floor's boto3 threads, and a load generator that takes little CPU from
    the machine that also runs gunicorn and moto.
    """
    host, port = url.removeprefix("http://").split(":")
    http = urllib3.HTTPConnectionPool(host, int(port), maxsize=users, block=True,
                                      retries=False, timeout=30.0)  # fmt: skip
    started = time.monotonic()
    deadline = started + duration
    with ThreadPoolExecutor(users) as executor:
        for future in [executor.submit(user_flow, http, rec, deadline) for _ in range(users)]:
            future.result()
    elapsed = time.monotonic() - started
    http.close()
    return elapsed


def verify_sign_in(url: str, usernames: list[str]) -> list[str]:
    """Sign every created user in through the proxy, 20 at a time; return who cannot."""
    host, port = url.removeprefix("http://").split(":")
    http = urllib3.HTTPConnectionPool(host, int(port), maxsize=20, block=True, timeout=30.0)
    rec = Recorder()

    def signed_in(name: str) -> bool:
        answer = call(http, rec, "POST /admin/signin", 200,
                      {"username": name, "password": PASSWORD})  # fmt: skip
        return answer is not None and "idToken" in answer

    with ThreadPoolExecutor(20) as executor:
        outcomes = list(executor.map(signed_in, usernames))
    http.close()
    return [name for name, ok in zip(usernames, outcomes, strict=True) if not ok]


def direct_ceiling(
    cognito: Any, pool: str, client_id: str, users: int, duration: float
) -> tuple[int, int, float]:
    """The same flow's Cognito calls with boto3 directly: (flows, calls, seconds)."""
    lock = threading.Lock()
    counts = {"flows": 0, "calls": 0}
    deadline = time.monotonic() + duration

    def worker() -> None:
        while time.monotonic() < deadline:
            name = f"direct-{uuid.uuid4().hex[:16]}@example.com"
            cognito.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)
            cognito.admin_confirm_sign_up(UserPoolId=pool, Username=name)
            attributes = [{"Name": "email_verified", "Value": "true"}]
            cognito.admin_update_user_attributes(
                UserPoolId=pool, Username=name, UserAttributes=attributes
            )
            auth = cognito.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]
            cognito.initiate_auth(
                ClientId=client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]},
            )
            cognito.admin_update_user_attributes(
                UserPoolId=pool, Username=name, UserAttributes=[{"Name": "name", "Value": "Ada"}]
            )
            with lock:
                counts["flows"] += 1
                counts["calls"] += 6

    started = time.monotonic()
    with ThreadPoolExecutor(users) as pool_executor:
        for future in [pool_executor.submit(worker) for _ in range(users)]:
            future.result()
    return counts["flows"], counts["calls"], time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """A process and its children (gunicorn's master and its workers)."""
    found = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry))
    return found


class CpuMeter:
    """CPU seconds used by moto, by gunicorn (master and workers) and by this process (the
    load generator, or the floor's boto3 threads), summed over the phases of each side."""

    PARTS = ("moto", "proxy", "client")

    def __init__(self, moto_pid: int, gunicorn_pid: int) -> None:
        self.pids = {"moto": [moto_pid], "proxy": process_tree(gunicorn_pid)}
        self.used: dict[str, dict[str, float]] = {
            side: dict.fromkeys(self.PARTS, 0.0) for side in ("proxy", "direct")
        }

    def sample(self) -> dict[str, float]:
        return {
            "moto": sum(cpu_seconds(pid) for pid in self.pids["moto"]),
            "proxy": sum(cpu_seconds(pid) for pid in self.pids["proxy"]),
            "client": time.process_time(),
        }

    def add(self, side: str, before: dict[str, float]) -> None:
        after = self.sample()
        for part in self.PARTS:
            self.used[side][part] += after[part] - before[part]

    def per_flow_ms(self, side: str, flows: int) -> dict[str, float]:
        return {part: used * 1000 / max(flows, 1) for part, used in self.used[side].items()}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds per side, split over the rounds")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=4,
                        help="rounds, each side once a round, alternating")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args()
    fake_credentials()
    rec = Recorder()
    elapsed = direct_elapsed = 0.0
    flows = calls = 0
    ratios: list[float] = []
    phase = args.duration / args.rounds
    with moto_process() as (endpoint, moto_pid):
        pool, client_id, _, _ = create_pool(endpoint, users=0)
        cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint,
                               config=BotoConfig(max_pool_connections=args.users))  # fmt: skip
        process, url = start_gunicorn(endpoint, pool, client_id, args.workers, args.threads)
        cpu = CpuMeter(moto_pid, process.pid)
        try:
            for number in range(args.rounds):
                sides = ["proxy", "direct"] if number % 2 == 0 else ["direct", "proxy"]
                result: dict[str, float] = {}
                for side in sides:
                    before_cpu = cpu.sample()
                    if side == "proxy":
                        before = rec.flows
                        seconds = drive(url, args.users, phase, rec)
                        elapsed += seconds
                        result[side] = (rec.flows - before) / seconds
                    else:
                        done, made, seconds = direct_ceiling(cognito, pool, client_id,
                                                             args.users, phase)  # fmt: skip
                        flows, calls, direct_elapsed = (flows + done, calls + made,
                                                        direct_elapsed + seconds)  # fmt: skip
                        result[side] = done / seconds
                    cpu.add(side, before_cpu)
                ratios.append(result["proxy"] / result["direct"])
                print(f"round {number + 1}: proxy {result['proxy']:6.1f} flows/s, "
                      f"floor {result['direct']:6.1f} flows/s, ratio {ratios[-1]:.3f}",
                      flush=True)  # fmt: skip
            lost = verify_sign_in(url, rec.created)
        finally:
            process.terminate()
            process.wait(timeout=15)

    total = sum(len(v) for v in rec.latencies.values())
    errors = sum(rec.errors.values())
    print(
        f"load: {args.users} users, {elapsed:.1f} s through the proxy in {args.rounds} rounds "
        f"interleaved with the floor, gunicorn {args.workers} workers x {args.threads} threads"
    )
    print(
        f"{'route':28} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}"
    )
    routes: dict[str, Any] = {}
    for route in ROUTES:
        values = rec.latencies.get(route, [])
        if not values:
            continue
        row = {
            "requests": len(values),
            "rps": len(values) / elapsed,
            "p50": percentile(values, 0.50) * 1000,
            "p95": percentile(values, 0.95) * 1000,
            "p99": percentile(values, 0.99) * 1000,
            "errors": rec.errors.get(route, 0),
        }
        routes[route] = row
        print(
            f"{route:28} {row['requests']:8d} {row['rps']:7.1f} {row['p50']:8.1f} "
            f"{row['p95']:8.1f} {row['p99']:8.1f} {row['errors']:6d}"
        )
    all_latencies = [v for values in rec.latencies.values() for v in values]
    print(
        f"{'all':28} {total:8d} {total / elapsed:7.1f} "
        f"{statistics.median(all_latencies) * 1000:8.1f} "
        f"{percentile(all_latencies, 0.95) * 1000:8.1f} "
        f"{percentile(all_latencies, 0.99) * 1000:8.1f} {errors:6d}"
    )
    for sample in rec.error_samples:
        print(f"  error: {sample}")
    print(
        f"users created (201): {len(rec.created)}; signed in afterwards: "
        f"{len(rec.created) - len(lost)}; lost: {len(lost)}"
    )
    proxy_flows = rec.flows / elapsed
    direct_flows = flows / direct_elapsed
    print(f"flows/s through the proxy      : {proxy_flows:8.1f} ({rec.flows} flows)")
    print(
        f"floor: boto3 directly, flows/s : {direct_flows:8.1f} ({flows} flows, "
        f"{calls / direct_elapsed:.1f} Cognito calls/s, {args.users} threads)"
    )
    proxy_cpu = cpu.per_flow_ms("proxy", rec.flows)
    direct_cpu = cpu.per_flow_ms("direct", flows)
    print("CPU ms per flow   moto server   gunicorn (proxy)   this process   all")
    for name, used in (("through the proxy", proxy_cpu), ("floor: boto3     ", direct_cpu)):
        print(
            f"{name}  {used['moto']:11.2f}   {used['proxy']:16.2f}   {used['client']:12.2f}"
            f"   {sum(used.values()):5.2f}"
        )
    print(f"ratio proxy / floor, all rounds: {proxy_flows / direct_flows:8.3f}")
    print(f"ratio, median of {args.rounds} rounds     : {statistics.median(ratios):8.3f}"
          "  (aim: >= 0.90)")  # fmt: skip
    if args.json:
        print(
            json.dumps(
                {
                    "users": args.users,
                    "seconds": elapsed,
                    "requests": total,
                    "errors": errors,
                    "rps": total / elapsed,
                    "routes": routes,
                    "created": len(rec.created),
                    "lost": len(lost),
                    "proxy_flows_per_s": proxy_flows,
                    "direct_flows_per_s": direct_flows,
                    "ratio": proxy_flows / direct_flows,
                    "round_ratios": ratios,
                    "median_ratio": statistics.median(ratios),
                    "cpu_ms_per_flow": {"proxy": proxy_cpu, "direct": direct_cpu},
                }
            )
        )
    return 0 if errors == 0 and not lost else 1


if __name__ == "__main__":
    sys.exit(main())

"""Send the same request from several threads at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient


def concurrent_statuses(
    app: Flask, send: Callable[[FlaskClient], int], threads: int = 8
) -> list[int]:
    """Start `threads` clients together (a barrier), each sending once; return the statuses."""
    start = threading.Barrier(threads)
    statuses: list[int] = []

    def run() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(send(client))

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return statuses

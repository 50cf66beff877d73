"""Structured logs: one JSON line per request, and JSON for every other log line.

Nothing here ever receives a request's fields: only method, path, status, timing and
codes are logged, so passwords, tokens and confirmation codes cannot reach a log.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from flask import Response, g, has_request_context, request

log = logging.getLogger("proxy_app.request")

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Libraries that log request parameters (passwords included) at DEBUG.
_QUIET = ("botocore", "boto3", "urllib3", "s3transfer")
# Built once: json.dumps with `default` builds an encoder for every line.
_ENCODER = json.JSONEncoder(default=str)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if "requestId" not in entry and has_request_context():
            # Domain code (gateway, migration) knows no request; its lines still get the id.
            entry["requestId"] = g.get("request_id")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever sys.stderr is at the time of the write."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str) -> None:
    """Send the app's logs to stderr as JSON lines, once per process."""
    logger = logging.getLogger("proxy_app")
    logger.setLevel(level)
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    # Lambda's runtime puts its own handler on the root logger; do not write twice.
    logger.propagate = False
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def log_request(response: Response) -> None:
    """Log the request that this response answers."""
    state = g._get_current_object()  # one context lookup, not one per attribute
    started = state.get("started")
    latency = None if started is None else round((time.perf_counter() - started) * 1000, 2)
    error = state.get("api_error")
    log.info(
        "request",
        extra={
            "requestId": state.get("request_id"),
            "clientRequestId": state.get("client_request_id"),
            "method": request.method,
            "path": request.path[:256],
            "status": response.status_code,
            "latencyMs": latency,
            "errorCode": None if error is None else error.code,
            "cognitoError": state.get("cognito_error"),
        },
    )

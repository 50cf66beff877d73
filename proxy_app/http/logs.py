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
# One encoder for every line (json.dumps with `default` would build one per call).
_ENCODER = json.JSONEncoder(default=str)
# How that encoder writes a string (ensure_ascii, its default).
_quote = json.encoder.encode_basestring_ascii


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, extras."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def time_text(self, created: float, msecs: float) -> str:
        """ISO 8601 UTC to the millisecond; strftime once a second, not once a line."""
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int(msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.time_text(record.created, record.msecs),
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
    if not log.isEnabledFor(logging.INFO):
        return
    # One context lookup, not one per attribute; and g's own dict, as getattr with a
    # default costs an AttributeError (a microsecond) for each attribute that is not set.
    state = g._get_current_object().__dict__
    started = state.get("started")
    latency = None if started is None else round((time.perf_counter() - started) * 1000, 2)
    error = state.get("api_error")
    current = request._get_current_object()  # type: ignore[attr-defined]
    fields = {
        "requestId": state.get("request_id"),
        "clientRequestId": state.get("client_request_id"),
        "method": current.method,
        "path": current.path[:256],
        "status": response.status_code,
        "latencyMs": latency,
        "errorCode": None if error is None else error.code,
        "cognitoError": state.get("cognito_error"),
    }
    handler = _sole_handler()
    if handler is not None and _write_directly(handler, fields):
        return
    # The record is made here rather than by log.info, which would walk the stack for a
    # file name and line that the JSON line does not show.
    record = log.makeRecord(log.name, logging.INFO, __file__, 0, "request", (), None, extra=fields)
    log.handle(record)


def _sole_handler() -> StderrHandler | None:
    """Our stderr handler, when it is all that would see the request line.

    Then the line is written as that handler would write it, without a LogRecord and
    the logging module's walk (a quarter of a token check's own time). A handler or
    filter added anywhere on the way (a test's caplog, an operator's own config) sends
    the line through the logging module as usual.
    """
    parent = log.parent
    if log.handlers or log.filters or not log.propagate or parent is None:
        return None
    if parent.filters or parent.propagate or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if (
        type(handler) is not StderrHandler
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) is not JsonFormatter
    ):
        return None
    return handler


def _write_directly(handler: StderrHandler, fields: dict[str, Any]) -> bool:
    """Write the request line as JsonFormatter and StreamHandler would; False if it failed."""
    formatter = handler.formatter
    assert isinstance(formatter, JsonFormatter)
    now = time.time_ns()
    line = request_line(formatter.time_text(now / 1e9, (now % 1_000_000_000) // 1_000_000), fields)
    try:
        with handler.lock:  # type: ignore[union-attr]
            stream = sys.stderr
            stream.write(line)
            stream.flush()
    except Exception:  # the logging module then reports it its own way
        return False
    return True


# The request line's fixed start; the time (ASCII digits and punctuation) goes in between.
_LINE_START = '{"time": "'
_LINE_FIXED = f'", "level": "INFO", "logger": {_quote(log.name)}, "message": "request"'


def request_line(time_text: str, fields: dict[str, Any]) -> str:
    """The line JsonFormatter writes for the request record, character for character.

    Its members are strings, numbers and nulls: each is written by json's own string
    quoting or by repr, as the encoder writes them, without building an encoder for
    each line (half the line's cost inside a request).
    """
    members = "".join([f", {_quote(key)}: {_value(value)}" for key, value in fields.items()])
    return f"{_LINE_START}{time_text}{_LINE_FIXED}{members}}}\n"


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _quote(value)
    if value is None:
        return "null"
    if kind is int or (kind is float and value - value == 0.0):  # finite: json writes repr
        return repr(value)
    return _ENCODER.encode(value)

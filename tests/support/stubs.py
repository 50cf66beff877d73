"""botocore's Stubber and event hooks on the app's own Cognito client.

For what moto cannot show (it accepts any code, never throttles, ...): the Stubber replaces
the HTTP exchange, everything else runs as in production. Tests that use one say
`stubbed` in their name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.stub import Stubber
from flask import Flask


def cognito_client(app: Flask) -> Any:
    """The boto3 client the app's Cognito gateway calls (for a Stubber or an event hook)."""
    return app.extensions["cognito_gateway"].client


@contextmanager
def stubbed_cognito(app: Flask) -> Iterator[Stubber]:
    """Answer the app's Cognito calls from a Stubber while the block runs; an empty one
    fails any call the app makes."""
    with Stubber(cognito_client(app)) as stubber:
        yield stubber


def stubbed_error(
    app: Flask,
    operation: str,
    cognito_error: str,
    path: str,
    body: dict[str, Any],
    message: str = "refused",
) -> Any:
    """Send one request while the app's boto3 client answers `operation` with an error."""
    with stubbed_cognito(app) as stubber:
        stubber.add_client_error(operation, cognito_error, message)
        response = app.test_client().post(path, json=body)
        stubber.assert_no_pending_responses()
    return response

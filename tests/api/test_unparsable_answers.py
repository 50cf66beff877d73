"""A success answer (2xx) that is not a JSON object is never taken for a success.

botocore reads such a body as {"message": body} (or lets a UnicodeDecodeError escape); an
operation that answers nothing (ConfirmSignUp), or a GetItem that finds no record (the
revocation check), would then pass. The answers here are canned at botocore's
`before-send`, in place of the network: signing, our check at botocore's `before-parse`,
botocore's parser and the retry logic all run as in production. tests/api/test_failing_backend.py
shows the same over HTTP, with a server that answers bytes that are not UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from flask import Flask

from proxy_app.aws.cognito import aws_client
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User
from tests.support.stubs import cognito_client

NOT_JSON_OBJECTS = {
    "array": b"[]",
    "string": b'"confirmed"',
    "null": b"null",
    "number": b"200",
    "html": b"<html><body>OK</body></html>",
    "truncated": b'{"UserSub": "1234',
    "not utf-8": b'{"a": "\xff"}',
    "utf-16": '{"a": 1}'.encode("utf-16"),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def answer_every_call(client: Any, body: bytes, status: int = 200) -> list[str]:
    """Answer each of the client's calls with `body` in place of the network; count them."""
    sent: list[str] = []

    def send(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, status, headers, _Raw(body))

    client.meta.events.register("before-send", send)
    return sent


@pytest.mark.parametrize("body", NOT_JSON_OBJECTS.values(), ids=NOT_JSON_OBJECTS.keys())
def test_a_cognito_answer_that_is_not_a_json_object_is_502_transport_canned(
    app: Flask, body: bytes
) -> None:
    sent = answer_every_call(cognito_client(app), body)
    response = app.test_client().post(
        "/confirmsignup", json={"username": "someone", "confirmationCode": "123456"}
    )
    problem(response, 502, "UpstreamError")
    assert len(sent) == 1  # nonsense is not retried


@pytest.mark.parametrize(
    "body", [b"{}", b"", b' {"Unknown": [1, 2]} '], ids=["{}", "empty", "extra"]
)
def test_an_empty_or_unmodelled_json_object_is_still_a_success_transport_canned(
    app: Flask, body: bytes
) -> None:
    # What botocore reads as an empty answer stays one: ConfirmSignUp answers nothing.
    answer_every_call(cognito_client(app), body)
    response = app.test_client().post(
        "/confirmsignup", json={"username": "someone", "confirmationCode": "123456"}
    )
    assert response.status_code == 200, response.get_data(True)


def test_an_error_answer_that_is_not_json_is_still_an_error_transport_canned(app: Flask) -> None:
    answer_every_call(cognito_client(app), b"<html>busy</html>", 500)
    response = app.test_client().post(
        "/confirmsignup", json={"username": "someone", "confirmationCode": "123456"}
    )
    problem(response, 502, "UpstreamError")


@pytest.mark.parametrize("body", [b"<html>OK</html>", b"[]"], ids=["html", "array"])
def test_the_revocation_table_answering_nonsense_refuses_rather_than_passes(
    make_app: Callable[..., Flask], table: str, pool: Pool, user: User, body: bytes
) -> None:
    # Read as an empty GetItem answer, nonsense would say "no sign-out recorded": the
    # token would pass while the table cannot be read.
    app = make_app(
        token_revocation_check=True, records_table=table, dynamodb_endpoint_url=pool.endpoint
    )
    client = app.test_client()
    tokens = sign_in(client, user)
    assert client.get("/token/valid", json={"idToken": tokens["idToken"]}).status_code == 200
    answer_every_call(app.extensions["records"].client, body)
    response = client.get("/token/valid", json={"idToken": tokens["idToken"]})
    problem(response, 503, "UpstreamUnavailable")


@pytest.mark.parametrize("service", ["cognito-idp", "dynamodb"])
def test_the_services_the_app_calls_answer_json_so_the_check_applies(service: str) -> None:
    # aws_client attaches the check (botocore's before-parse event) to clients of the
    # "json" protocol only; a botocore that moved either service to another protocol
    # would leave it off, so such an upgrade stops here.
    client = aws_client(service, region_name="us-east-1")
    assert client.meta.service_model.resolved_protocol == "json"

"""Records that cannot be lost, and the checks around them that no other test holds.

A record is written before the act it guards: when the service's table refuses the write,
nothing is done and the answer is 503. The table's refusal is injected with a botocore
`before-call` hook on the app's own DynamoDB client (neither moto nor the emulator can be
told to refuse one write); everything else runs against the emulator.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.aws.table import MAX_TOKEN_SECONDS, Records
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User
from tests.support.fake_cognito import error_answer
from tests.support.stubs import stubbed_cognito


@pytest.fixture
def app(make_app: Callable[..., Flask], table: str, pool: Pool) -> Flask:
    return make_app(records_table=table, dynamodb_endpoint_url=pool.endpoint)


@pytest.fixture
def records(app: Flask) -> Records:
    found: Records = app.extensions["records"]
    return found


@pytest.fixture
def refused_writes(records: Records) -> Iterator[list[str]]:
    """Make the service's table refuse every write; list the writes refused."""
    refused: list[str] = []

    def refuse(model: Any, **_: Any) -> Any:
        refused.append(model.name)
        return error_answer("InternalServerError", "the table failed", 500)

    events = records.client.meta.events
    for operation in ("PutItem", "DeleteItem"):
        events.register(f"before-call.dynamodb.{operation}", refuse)
    yield refused
    for operation in ("PutItem", "DeleteItem"):
        events.unregister(f"before-call.dynamodb.{operation}", refuse)


def _exists(cognito: Any, user: User) -> bool:
    try:
        cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


class TestWhenTheTableRefusesTheWrite:
    def test_a_deletion_the_table_cannot_record_deletes_nobody(
        self, app: Flask, user: User, cognito: Any, refused_writes: list[str]
    ) -> None:
        client = app.test_client()
        tokens = sign_in(client, user)
        for kind in ("idToken", "accessToken"):
            response = client.delete("/admin/user", json={kind: tokens[kind]})
            problem(response, 503, "UpstreamUnavailable")
        assert refused_writes == ["PutItem", "PutItem"]
        assert _exists(cognito, user)

    def test_a_sign_out_the_table_cannot_record_ends_nothing(
        self, app: Flask, user: User, refused_writes: list[str]
    ) -> None:
        client = app.test_client()
        tokens = sign_in(client, user)
        response = client.post("/signout", json={"accessToken": tokens["accessToken"]})
        problem(response, 503, "UpstreamUnavailable")
        assert refused_writes == ["PutItem"]
        # Cognito was not asked to sign the user out: the tokens still work.
        assert client.get("/user", json={"accessToken": tokens["accessToken"]}).status_code == 200

    def test_a_revocation_the_table_cannot_record_revokes_nothing(
        self, app: Flask, user: User, refused_writes: list[str]
    ) -> None:
        client = app.test_client()
        tokens = sign_in(client, user)
        response = client.post("/token/revoke", json={"refreshToken": tokens["refreshToken"]})
        problem(response, 503, "UpstreamUnavailable")
        assert refused_writes == ["PutItem"]
        refreshed = client.post("/admin/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert refreshed.status_code == 200, refreshed.json

    def test_the_commands_record_first_too(
        self, app: Flask, user: User, cognito: Any, refused_writes: list[str]
    ) -> None:
        client = app.test_client()
        tokens = sign_in(client, user)
        runner = app.test_cli_runner()
        for command in (["sign-out", user.username], ["delete", "--yes", user.username]):
            result = runner.invoke(args=["users", *command])
            assert result.exit_code != 0, result.output
            assert "Traceback" not in result.output
        assert refused_writes == ["PutItem", "PutItem"]
        assert _exists(cognito, user)
        assert client.get("/user", json={"accessToken": tokens["accessToken"]}).status_code == 200

    def test_an_operators_password_or_invitation_waits_for_the_migration_mark_to_end(
        self, app: Flask, user: User, cognito: Any, refused_writes: list[str]
    ) -> None:
        """An account marked for migration keeps its mark until the write that ends it
        succeeds: a temporary password set, or an invitation sent, before it would be
        completed by the legacy password. So nothing is set or sent without that write."""
        runner = app.test_cli_runner()
        invited = f"invited-{user.username}"
        commands = (
            ["set-password", "--temporary", "--password", "Temp0rary-Passw0rd!", user.username],
            ["create", invited],
        )
        for command in commands:
            result = runner.invoke(args=["users", *command])
            assert result.exit_code != 0, result.output
            assert "Traceback" not in result.output
        assert refused_writes == ["DeleteItem", "DeleteItem"]
        assert sign_in(app.test_client(), user)["idToken"]  # the password is unchanged
        assert not _exists(cognito, User(invited, "", user.pool))


def _item(records: Records, key: str) -> dict[str, Any]:
    answer = records.client.get_item(
        TableName=records.table, Key={"pk": {"S": key}}, ConsistentRead=True
    )
    item: dict[str, Any] = answer["Item"]
    return item


def test_every_route_writes_records_that_outlive_every_token_it_refuses(
    app: Flask, records: Records, user: User
) -> None:
    client = app.test_client()
    tokens = sign_in(client, user)
    sub = client.get("/user", json={"idToken": tokens["idToken"]}).json["sub"]
    origin = jwt.decode(tokens["idToken"], options={"verify_signature": False})["origin_jti"]
    before = time.time()
    assert client.post("/token/revoke", json={"refreshToken": tokens["refreshToken"]}).status_code
    again = sign_in(client, user)
    assert client.post("/signout", json={"idToken": again["idToken"]}).status_code == 204
    for key in (f"revoked#{origin}", f"signout#{sub}"):
        expires = int(_item(records, key)["expiresAt"]["N"])
        # At least as long as the longest token lives (a day), and not forever.
        assert before + MAX_TOKEN_SECONDS - 5 <= expires <= time.time() + MAX_TOKEN_SECONDS + 5


def test_a_token_refreshed_after_the_sign_out_is_refused_by_its_sign_in_time(
    app: Flask, records: Records, user: User
) -> None:
    """`auth_time`, not `iat`: a refresh after the sign-out issues tokens with a new `iat`
    and the session's old `auth_time`."""
    client = app.test_client()
    tokens = sign_in(client, user)
    sub = client.get("/user", json={"idToken": tokens["idToken"]}).json["sub"]
    time.sleep(1.1)
    # A sign-out recorded (as a second instance would) without ending Cognito's session.
    records.record_sign_out(sub, time.time(), int(time.time()) + 60)
    time.sleep(1.1)
    refreshed = client.post("/admin/refresh", json={"refreshToken": tokens["refreshToken"]}).json
    response = client.get("/token/valid", json={"idToken": refreshed["idToken"]})
    assert problem(response, 401, "InvalidToken")["reason"] == "revoked"


def test_every_read_of_the_table_is_strongly_consistent(
    app: Flask, records: Records, user: User
) -> None:
    seen: list[tuple[str, Any]] = []

    def capture(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "GetItem":
            seen.append((model.name, params.get("ConsistentRead")))
        if model.name == "BatchGetItem":
            for request in params["RequestItems"].values():
                seen.append((model.name, request.get("ConsistentRead")))

    records.client.meta.events.register("provide-client-params.dynamodb", capture)
    client = app.test_client()
    tokens = sign_in(client, user)
    client.get("/token/valid", json={"idToken": tokens["idToken"]})
    client.get("/token/valid", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    records.is_deleted(user.username)
    assert seen and all(consistent is True for _, consistent in seen), seen


def test_a_verify_software_token_error_status_is_a_wrong_code_stubbed(
    app: Flask, user: User
) -> None:
    """Cognito's documented Status ERROR, which the emulator never answers."""
    client = app.test_client()
    tokens = sign_in(client, user)
    with stubbed_cognito(app) as stubber:
        stubber.add_response("verify_software_token", {"Status": "ERROR"})
        response = client.post(
            "/user/mfa/totp/verify",
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
            json={"code": "123456"},
        )
    assert "the app shows now" in problem(response, 400, "CodeMismatch")["detail"]


def test_the_query_string_never_reaches_the_request_log(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    client.get("/token/valid?idToken=secret-in-the-url&code=424242")
    logged = capsys.readouterr().err
    assert "/token/valid" in logged
    assert "secret-in-the-url" not in logged and "424242" not in logged

"""TOKEN_REVOCATION_CHECK with the shared table: sign-outs and revoked sessions made
through one instance are refused by every other, id tokens included (moto's DynamoDB)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.aws.table import Records
from proxy_app.core.errors import CognitoUnavailable
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User


@pytest.fixture
def instances(
    make_app: Callable[..., Flask], table: str, pool: Pool
) -> tuple[FlaskClient, FlaskClient]:
    """Two app instances (as two Lambda instances are) that share one table."""

    def instance() -> FlaskClient:
        app = make_app(
            token_revocation_check=True, records_table=table, dynamodb_endpoint_url=pool.endpoint
        )
        return app.test_client()

    return instance(), instance()


def _reason(response: Any) -> str:
    return str(problem(response, 401, "InvalidToken")["reason"])


def _id_valid(client: FlaskClient, tokens: dict[str, Any]) -> Any:
    return client.get("/token/valid", json={"idToken": tokens["idToken"]})


def _access_valid(client: FlaskClient, tokens: dict[str, Any]) -> Any:
    return client.get("/token/valid", headers={"Authorization": f"Bearer {tokens['accessToken']}"})


@pytest.mark.parametrize("kind", ["accessToken", "idToken"])
def test_a_sign_out_through_one_instance_is_honoured_by_the_other(
    instances: tuple[FlaskClient, FlaskClient], user: User, kind: str
) -> None:
    first, second = instances
    tokens = sign_in(first, user)
    assert _id_valid(second, tokens).status_code == 200
    assert first.post("/signout", json={kind: tokens[kind]}).status_code == 204
    assert _reason(_id_valid(second, tokens)) == "revoked"
    assert _reason(_access_valid(second, tokens)) == "revoked"
    assert _reason(second.get("/user", json={"idToken": tokens["idToken"]})) == "revoked"


def test_a_revoked_session_through_one_instance_is_refused_by_the_other(
    instances: tuple[FlaskClient, FlaskClient], user: User
) -> None:
    first, second = instances
    revoked, kept = sign_in(first, user), sign_in(first, user)
    response = first.post("/token/revoke", json={"refreshToken": revoked["refreshToken"]})
    assert response.status_code == 204, response.get_data(True)
    assert _reason(_id_valid(second, revoked)) == "revoked"
    assert _reason(_access_valid(second, revoked)) == "revoked"
    assert _id_valid(second, kept).status_code == 200
    assert _access_valid(second, kept).status_code == 200


def test_with_the_default_settings_a_sign_out_ends_the_id_and_access_tokens(
    make_app: Callable[..., Flask], table: str, pool: Pool, user: User
) -> None:
    # No TOKEN_REVOCATION_CHECK: the service's table alone ends the tokens.
    client = make_app(records_table=table, dynamodb_endpoint_url=pool.endpoint).test_client()
    tokens = sign_in(client, user)
    assert client.post("/signout", json={"idToken": tokens["idToken"]}).status_code == 204
    assert _reason(_id_valid(client, tokens)) == "revoked"
    assert _reason(_access_valid(client, tokens)) == "revoked"


def test_tokens_issued_after_the_sign_out_pass(
    instances: tuple[FlaskClient, FlaskClient], table: str, pool: Pool, user: User
) -> None:
    first, second = instances
    records = Records(pool.config(records_table=table, dynamodb_endpoint_url=pool.endpoint))
    tokens = sign_in(first, user)
    sub = second.get("/user", json={"idToken": tokens["idToken"]}).json["sub"]
    records.record_sign_out(sub, time.time() - 60, int(time.time()) + 60)
    assert _id_valid(second, tokens).status_code == 200
    records.record_sign_out(sub, time.time(), int(time.time()) + 60)
    assert _reason(_id_valid(second, tokens)) == "revoked"


@pytest.mark.parametrize("change", ["admin_disable_user", "admin_delete_user"])
def test_id_tokens_of_a_disabled_or_deleted_user_are_refused(
    instances: tuple[FlaskClient, FlaskClient], cognito: Any, pool: Pool, user: User, change: str
) -> None:
    first, _ = instances
    tokens = sign_in(first, user)
    getattr(cognito, change)(UserPoolId=pool.id, Username=user.username)
    assert _reason(_id_valid(first, tokens)) == "revoked"


class TestRecords:
    @pytest.fixture
    def records(self, pool: Pool, table: str) -> Records:
        return Records(pool.config(records_table=table, dynamodb_endpoint_url=pool.endpoint))

    def test_a_sign_out_refuses_older_and_same_second_tokens(self, records: Records) -> None:
        sub = str(uuid.uuid4())
        assert not records.is_revoked(sub, 1000, None)
        records.record_sign_out(sub, 1000.5, 90_000)
        assert records.is_revoked(sub, 999, None)
        assert records.is_revoked(sub, 1000, None)
        assert not records.is_revoked(sub, 1001, None)
        # A token that says nothing of when it was issued cannot prove it is newer.
        assert records.is_revoked(sub, None, None)

    def test_a_revoked_session_refuses_its_tokens_only(self, records: Records) -> None:
        sub, session = str(uuid.uuid4()), str(uuid.uuid4())
        records.record_revoked_session(session, 90_000)
        assert records.is_revoked(sub, 1000, session)
        assert not records.is_revoked(sub, 1000, str(uuid.uuid4()))

    def test_records_expire_with_the_tokens_they_refuse(self, records: Records) -> None:
        sub = str(uuid.uuid4())
        records.record_sign_out(sub, 1000.0, 87_400)
        item = records.client.get_item(TableName=records.table, Key={"pk": {"S": f"signout#{sub}"}})
        assert item["Item"]["expiresAt"] == {"N": "87400"}
        ttl = records.client.describe_time_to_live(TableName=records.table)
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
        assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"


class TestOneRead:
    """A check with a session id reads both its records in one BatchGetItem."""

    @pytest.fixture
    def records(self, pool: Pool, table: str) -> Records:
        return Records(pool.config(records_table=table, dynamodb_endpoint_url=pool.endpoint))

    @staticmethod
    def _calls(records: Records) -> list[str]:
        made: list[str] = []
        records.client.meta.events.register(
            "before-call.dynamodb", lambda model, **_: made.append(model.name)
        )
        return made

    def test_a_check_with_a_session_makes_one_call(self, records: Records) -> None:
        sub, session, other = (str(uuid.uuid4()) for _ in range(3))
        made = self._calls(records)
        assert not records.is_revoked(sub, 1000, session)
        records.record_sign_out(sub, 1000.5, 90_000)
        assert records.is_revoked(sub, 1000, session)  # the sign-out, read in the same call
        assert not records.is_revoked(sub, 1001, session)
        records.record_revoked_session(session, 90_000)
        assert records.is_revoked(sub, 1001, session)  # the session, read in the same call
        assert not records.is_revoked(sub, 1001, other)
        reads = [name for name in made if name != "PutItem"]
        assert reads == ["BatchGetItem"] * 5

    def test_a_check_without_a_session_reads_the_sign_out_alone(self, records: Records) -> None:
        made = self._calls(records)
        assert not records.is_revoked(str(uuid.uuid4()), 1000, None)
        assert made == ["GetItem"]


def _batch_answer(table: str, items: list[str], unprocessed: list[str]) -> dict[str, Any]:
    answer: dict[str, Any] = {"Responses": {table: [{"pk": {"S": key}} for key in items]}}
    if unprocessed:
        answer["UnprocessedKeys"] = {
            table: {"Keys": [{"pk": {"S": key}} for key in unprocessed], "ConsistentRead": True}
        }
    return answer


class TestUnprocessedKeysStubbed:
    """moto's BatchGetItem always processes every key; DynamoDB may leave some unprocessed
    when throttled. botocore's Stubber gives those answers."""

    @pytest.fixture
    def records(self, pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Records:
        monkeypatch.setattr("proxy_app.aws.table._BATCH_PAUSE", 0.001)
        return Records(pool.config(records_table="stubbed", dynamodb_endpoint_url=pool.endpoint))

    @staticmethod
    def _request(*keys: str) -> dict[str, Any]:
        return {
            "RequestItems": {
                "stubbed": {"Keys": [{"pk": {"S": key}} for key in keys], "ConsistentRead": True}
            }
        }

    def test_keys_left_unprocessed_are_asked_for_again_stubbed(self, records: Records) -> None:
        revoked, signed_out = "revoked#session-1", "signout#sub-1"
        with Stubber(records.client) as stub:
            stub.add_response(
                "batch_get_item",
                _batch_answer("stubbed", [], [revoked]),
                self._request(revoked, signed_out),
            )
            stub.add_response(
                "batch_get_item", _batch_answer("stubbed", [revoked], []), self._request(revoked)
            )
            assert records.is_revoked("sub-1", 1000, "session-1")
            stub.assert_no_pending_responses()

    def test_keys_still_unprocessed_refuse_rather_than_pass_stubbed(self, records: Records) -> None:
        revoked, signed_out = "revoked#session-1", "signout#sub-1"
        with Stubber(records.client) as stub:
            stub.add_response(
                "batch_get_item",
                _batch_answer("stubbed", [], [revoked, signed_out]),
                self._request(revoked, signed_out),
            )
            for _ in range(2):
                stub.add_response(
                    "batch_get_item",
                    _batch_answer("stubbed", [], [revoked, signed_out]),
                    self._request(revoked, signed_out),
                )
            with pytest.raises(CognitoUnavailable, match="UnprocessedKeys"):
                records.is_revoked("sub-1", 1000, "session-1")
            stub.assert_no_pending_responses()

    def test_an_item_not_asked_for_refuses_rather_than_passes_stubbed(
        self, records: Records
    ) -> None:
        with Stubber(records.client) as stub:
            stub.add_response(
                "batch_get_item",
                _batch_answer("stubbed", ["signout#someone-else"], []),
                self._request("revoked#session-1", "signout#sub-1"),
            )
            with pytest.raises(CognitoUnavailable, match="UnexpectedItem"):
                records.is_revoked("sub-1", 1000, "session-1")


def test_a_failing_batch_read_answers_503(
    make_app: Callable[..., Flask], table: str, pool: Pool, user: User
) -> None:
    app = make_app(
        token_revocation_check=True, records_table=table, dynamodb_endpoint_url=pool.endpoint
    )
    client = app.test_client()
    tokens = sign_in(client, user)
    assert _id_valid(client, tokens).status_code == 200
    with Stubber(app.extensions["records"].client) as stub:
        # Not one botocore retries: the one answer stubbed is the one the check gets.
        stub.add_client_error("batch_get_item", "ResourceNotFoundException", http_status_code=400)
        response = _id_valid(client, tokens)
        stub.assert_no_pending_responses()
    problem(response, 503, "UpstreamUnavailable")

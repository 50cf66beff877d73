"""The service's own DynamoDB table: what every instance must agree on.

One table (`REVOCATION_TABLE`), one string key `pk`, shared by all processes and Lambda
instances. It holds accounts deleted through this service (so that migration from a
legacy store never brings one back), the accounts migration created whose password is
not yet set (the only ones a legacy password may complete), the users' sign-outs
through the service (keyed by `sub`) and the sessions revoked through it (keyed by the
tokens' `origin_jti`). Items that may expire carry `expiresAt` (epoch seconds), the
table's TTL attribute: DynamoDB drops them once every token they refuse would have
expired anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, NoReturn

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from proxy_app.aws.calls import aws_client
from proxy_app.config import Config
from proxy_app.core.errors import CognitoUnavailable

log = logging.getLogger("proxy_app.records")

KEY = "pk"
TTL_ATTRIBUTE = "expiresAt"
_DELETED = "deleted#"
_SIGNED_OUT = "signout#"
_REVOKED = "revoked#"
_PENDING = "migrating#"
# How long a sign-out or revocation is kept: Cognito's longest id or access token lives
# a day, and every token a record refuses has expired by then.
MAX_TOKEN_SECONDS = 24 * 60 * 60
# BatchGetItem tries for keys DynamoDB leaves unprocessed, and the first pause (seconds),
# doubled each time: at most 0.15 s more on a check before it answers 503.
_BATCH_ATTEMPTS = 3
_BATCH_PAUSE = 0.05


class Records:
    """Read and write the service's table; every failure is CognitoUnavailable (503)."""

    def __init__(self, config: Config) -> None:
        assert config.records_table is not None
        self.table = config.records_table
        self._config = config
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The DynamoDB client, created on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    key_id, secret = self._config.static_credentials or (None, None)
                    self._client = aws_client(
                        "dynamodb",
                        aws_access_key_id=key_id,
                        aws_secret_access_key=secret,
                        region_name=self._config.region,
                        endpoint_url=self._config.dynamodb_endpoint_url,
                        config=BotoConfig(
                            connect_timeout=self._config.connect_timeout,
                            read_timeout=self._config.read_timeout,
                            retries={"mode": "standard", "total_max_attempts": 3},
                        ),
                    )
        return self._client

    def record_deletion(self, username: str, sub: str) -> None:
        """Remember that this account was deleted through the service."""
        self._call(
            "put_item",
            TableName=self.table,
            Item={
                KEY: {"S": _DELETED + username},
                "sub": {"S": sub},
                "deletedAt": {"N": str(int(time.time()))},
            },
        )

    def is_deleted(self, username: str) -> bool:
        """Say whether this username's account was deleted through the service."""
        return self._get(_DELETED + username) is not None

    def any_deleted(self, names: tuple[str, ...]) -> bool:
        """Say whether any of these names (a username, an email) was deleted. One GetItem
        each (usually one or two): the trigger's role may only GetItem."""
        return any(self._get(_DELETED + name) is not None for name in dict.fromkeys(names))

    def record_pending(self, username: str) -> bool:
        """Remember that migration creates this account and has not set its password; False
        when it was remembered already (an earlier run, a concurrent sign-in)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={KEY: {"S": _PENDING + username}, "createdAt": {"N": str(int(time.time()))}},
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": KEY},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            self._unreadable("put_item", exc.response.get("Error", {}).get("Code", "Unknown"))
        except (BotoCoreError, ResponseParserError) as exc:
            self._unreadable("put_item", type(exc).__name__)
        return True

    def is_pending(self, username: str) -> bool:
        """Say whether migration created this account and has not yet set its password."""
        return self._get(_PENDING + username) is not None

    def end_pending(self, username: str) -> None:
        """Forget that this account waits for its password (it has one now)."""
        self._call("delete_item", TableName=self.table, Key={KEY: {"S": _PENDING + username}})

    def lift_deletion(self, username: str) -> None:
        """Forget a deletion, so that the legacy account may be migrated again."""
        self._call("delete_item", TableName=self.table, Key={KEY: {"S": _DELETED + username}})

    def record_sign_out(self, sub: str, at: float, expires_at: int | None = None) -> None:
        """Remember that this user signed out at `at`: older tokens are refused (kept until
        every token of before has expired, unless `expires_at` says otherwise)."""
        if expires_at is None:
            expires_at = int(at) + MAX_TOKEN_SECONDS
        self._call(
            "put_item",
            TableName=self.table,
            Item={
                KEY: {"S": _SIGNED_OUT + sub},
                "signedOutAt": {"N": repr(float(at))},
                TTL_ATTRIBUTE: {"N": str(int(expires_at))},
            },
        )

    def record_revoked_session(self, origin_jti: str, expires_at: int | None = None) -> None:
        """Remember that the session with this `origin_jti` was revoked (kept until every
        token of it has expired, unless `expires_at` says otherwise)."""
        if expires_at is None:
            expires_at = int(time.time()) + MAX_TOKEN_SECONDS
        self._call(
            "put_item",
            TableName=self.table,
            Item={KEY: {"S": _REVOKED + origin_jti}, TTL_ATTRIBUTE: {"N": str(int(expires_at))}},
        )

    def is_revoked(self, sub: str, issued_at: int | None, origin_jti: str | None) -> bool:
        """Say whether a token (its user, issue time and session) was signed out or revoked.

        With a session id both records are read in one BatchGetItem, not two GetItem.
        """
        signed_out_key = _SIGNED_OUT + sub
        if origin_jti:
            revoked_key = _REVOKED + origin_jti
            items = self._get_many((revoked_key, signed_out_key))
            if revoked_key in items:
                return True
            signed_out = items.get(signed_out_key)
        else:
            signed_out = self._get(signed_out_key)
        if signed_out is None:
            return False
        # A token without an issue time cannot prove it is newer than the sign-out. Tokens
        # carry whole seconds: one of a sign-in in the very second of the sign-out cannot
        # be told from one of before, so it is refused too (a user who signs in again
        # within that second signs in once more).
        return issued_at is None or issued_at <= float(signed_out["signedOutAt"]["N"])

    def _get(self, key: str) -> dict[str, Any] | None:
        answer = self._call(
            "get_item", TableName=self.table, Key={KEY: {"S": key}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def _get_many(self, keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """The items of these keys that exist, by key, read in one strongly consistent
        BatchGetItem. Keys DynamoDB leaves unprocessed (throttling) are asked for again,
        after a short pause; still unprocessed after that, or an answer holding an item
        that was not asked for, is 503: a record not read must not read as none."""
        found: dict[str, dict[str, Any]] = {}
        pending = [{KEY: {"S": key}} for key in keys]
        for attempt in range(_BATCH_ATTEMPTS):
            if attempt:
                time.sleep(_BATCH_PAUSE * 2 ** (attempt - 1))
            answer = self._call(
                "batch_get_item",
                RequestItems={self.table: {"Keys": pending, "ConsistentRead": True}},
            )
            for item in answer.get("Responses", {}).get(self.table, []):
                key = item.get(KEY, {}).get("S")
                if key not in keys:
                    self._unreadable("batch_get_item", "UnexpectedItem")
                found[key] = item
            pending = answer.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys") or []
            if not pending:
                return found
        self._unreadable("batch_get_item", "UnprocessedKeys")

    def create_table(self) -> None:
        """Create the table unless it exists (local mode, tests; serverless.yml on AWS)."""
        try:
            self.client.describe_table(TableName=self.table)
            return
        except ClientError:
            pass  # ResourceNotFoundException: create it below
        self._call(
            "create_table",
            TableName=self.table,
            KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self._call(
            "update_time_to_live",
            TableName=self.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )

    def _call(self, operation: str, **parameters: Any) -> dict[str, Any]:
        try:
            return dict(getattr(self.client, operation)(**parameters))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
        except BotoCoreError as exc:
            code = type(exc).__name__
        except ResponseParserError:
            # A 2xx answer that is not a JSON object: read as an empty answer, it would
            # say "no record" (not revoked, not deleted).
            code = "UnparsableAnswer"
        self._unreadable(operation, code)

    def _unreadable(self, operation: str, code: str) -> NoReturn:
        log.error("service table call failed", extra={"operation": operation, "error": code})
        raise CognitoUnavailable(f"DynamoDB:{code}") from None

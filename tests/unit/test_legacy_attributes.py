"""What any legacy source may hand to Cognito: attribute names and values, filtered."""

from __future__ import annotations

import datetime

import pytest

from proxy_app.legacy import MAX_ATTRIBUTE_VALUE, cognito_attributes


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"email": "a@example.com", "custom:tier": "gold"},
            {"email": "a@example.com", "custom:tier": "gold"},
        ),
        ({"sub": "legacy-id", "cognito:username": "x", "cognito:groups": "admins"}, {}),
        ({"password_hash": "$2b$...", "id": "7", "custom:" + "x" * 21: "too long a name"}, {}),
        (
            {"email_verified": True, "phone_number_verified": False},
            {"email_verified": "true", "phone_number_verified": "false"},
        ),
        (
            {"email_verified": 1, "phone_number_verified": 0},
            {"email_verified": "true", "phone_number_verified": "false"},
        ),
        ({"email_verified": " TRUE "}, {"email_verified": "true"}),
        ({"email_verified": "yes", "phone_number_verified": 2}, {}),
        ({"birthdate": datetime.date(1815, 12, 10)}, {"birthdate": "1815-12-10"}),
        ({"updated_at": datetime.datetime(2020, 1, 1), "name": 42, "nickname": None}, {}),
        ({"name": "", "given_name": "x" * (MAX_ATTRIBUTE_VALUE + 1)}, {}),
        ({"custom:newsletter": True}, {"custom:newsletter": "true"}),
    ],
)
def test_only_cognito_attributes_pass_as_strings(
    values: dict[str, object], expected: dict[str, str]
) -> None:
    assert cognito_attributes(values, emails_verified=False) == expected


def test_values_of_other_types_are_dropped_and_their_names_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert cognito_attributes({"name": 42, "nickname": None}, emails_verified=False) == {}
    (record,) = caplog.records
    assert record.attributes == ["name"]  # type: ignore[attr-defined]
    assert "42" not in caplog.text


@pytest.mark.parametrize(
    ("values", "verified"),
    [
        ({"email": "a@example.com"}, "true"),
        ({"email": "a@example.com", "email_verified": False}, "false"),
        ({"phone_number": "+15555550100"}, None),
    ],
)
def test_emails_count_as_verified_only_where_the_source_says_nothing(
    values: dict[str, object], verified: str | None
) -> None:
    assert cognito_attributes(values, emails_verified=True).get("email_verified") == verified
    assert "email_verified" not in cognito_attributes(
        {k: v for k, v in values.items() if k != "email_verified"}, emails_verified=False
    )

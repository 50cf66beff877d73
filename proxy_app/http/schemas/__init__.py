"""Marshmallow schemas: every request and response body of the API, one module per route
group (named as in `routes/`), built from what `fields` holds."""

from __future__ import annotations

# Every group is loaded here, so that header_fields sees each request schema.
from proxy_app.http.schemas import account, auth, meta, mfa, password, token, user
from proxy_app.http.schemas.fields import RequestSchema, instance

__all__ = [
    "account",
    "auth",
    "header_fields",
    "instance",
    "meta",
    "mfa",
    "password",
    "token",
    "user",
]


def header_fields() -> dict[str, bool]:
    """Every field a request may send as a header, and whether it carries a credential."""
    found: dict[str, bool] = {}
    pending = list(RequestSchema.__subclasses__())
    while pending:
        schema_class = pending.pop()
        pending.extend(schema_class.__subclasses__())
        for name, field in instance(schema_class).fields.items():
            if field.metadata.get("header"):
                found[name] = found.get(name, False) or bool(field.metadata.get("credential"))
    return dict(sorted(found.items()))

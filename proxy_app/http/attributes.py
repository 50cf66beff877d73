"""Which user attributes a user may set through the API."""

from __future__ import annotations

from collections.abc import Iterable

from proxy_app.http import context
from proxy_app.http.problems import ApiError


def check_writable(names: Iterable[str]) -> None:
    """Refuse (403) any attribute that WRITABLE_ATTRIBUTES does not list."""
    allowed = context.config().writable_attributes
    refused = sorted(name for name in names if name not in allowed)
    if refused:
        raise ApiError(
            403,
            "AttributeNotWritable",
            "Attribute not writable",
            "These attributes cannot be set through this API: " + ", ".join(refused),
            errors={name: ["Not writable."] for name in refused},
        )

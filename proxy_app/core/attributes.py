"""Which user attributes a user may set through the API."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from proxy_app.core.errors import AttributeNotWritable


def check_writable(names: Iterable[str], writable: Collection[str]) -> None:
    """Refuse any attribute that `writable` (WRITABLE_ATTRIBUTES) does not list."""
    refused = sorted(name for name in names if name not in writable)
    if refused:
        raise AttributeNotWritable(refused)

"""Fixtures of the migration tests: the module's legacy stores (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.legacy_stores import (
    BACKENDS,
    Store,
    Stores,
    backend_params,
    forget_reported_causes,
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """The module's legacy stores (SQLite, PostgreSQL, MariaDB), made on first use."""
    with Stores(tmp_path_factory.mktemp("legacy")) as made:
        yield made


@pytest.fixture(params=backend_params(*BACKENDS))
def store(request: pytest.FixtureRequest, stores: Stores) -> Store:
    """A legacy store on each backend in turn (a module may define its own `store`)."""
    return stores.get(request.param)


@pytest.fixture(autouse=True)
def fresh_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the once-per-process logs of broken stores and odd flags again."""
    forget_reported_causes(monkeypatch)

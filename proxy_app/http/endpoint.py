"""The one decorator every API view is declared with: it loads the input, dumps the
answer and documents both, so a view names its schemas once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response
from marshmallow import Schema

from proxy_app.http.inputs import load
from proxy_app.http.openapi import Operation
from proxy_app.http.responses import json_response

Body = dict[str, Any]
View = Callable[..., Body | None]


def endpoint(
    tag: str,
    *,
    request: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int | None = None,
    errors: Sequence[int] = (),
    upstream: bool = True,
    parameters: Sequence[dict[str, Any]] = (),
) -> Callable[[View], Callable[[], Response]]:
    """Declare a view: what it loads, what it answers, and what the OpenAPI document says.

    The view is called with the input loaded through `request` (body members and headers,
    as inputs.load reads them), or with nothing when the route takes no input. It returns
    the body that `response` dumps, answered with `status` (200 unless given); without a
    response schema it returns None, answered 204 with no body.

    `errors`: statuses the route may answer beyond the common ones; `upstream` views call
    Cognito, so they may answer any status of the Cognito error table; `parameters`: extra
    OpenAPI parameters (query strings). The view's docstring is the operation's summary.
    """
    answered = status if status is not None else (200 if response is not None else 204)
    if (response is None) != (answered == 204):
        raise ValueError("A 204 has no response schema; every other status has one.")

    def declare(view: View) -> Callable[[], Response]:
        @functools.wraps(view)
        def answer() -> Response:
            body = view(load(request)) if request is not None else view()
            if response is None:
                return Response(status=answered)
            if body is None:
                raise TypeError(f"{view.__name__} answered no body for {response.__name__}")
            return json_response(response, body, answered)

        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        answer.openapi = Operation(  # type: ignore[attr-defined]
            summary, request, response, answered, tuple(errors), tag, upstream, tuple(parameters)
        )
        return answer

    return declare

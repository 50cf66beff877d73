"""The WSGI app and the AWS Lambda handler (API Gateway REST/HTTP API and ALB events)."""

from __future__ import annotations

from apig_wsgi import make_lambda_handler

from proxy_app import create_app

app = create_app()
handler = make_lambda_handler(app)

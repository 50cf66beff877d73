"""TOTP set-up for authenticator apps: the otpauth:// URI and its QR code."""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode


def otpauth_uri(issuer: str, account: str | None, secret: str) -> str:
    """Build the Key URI authenticator apps read: otpauth://totp/ISSUER:ACCOUNT?secret=..."""
    label = quote(issuer, safe="")
    if account:
        label = f"{label}:{quote(account, safe='@')}"
    query = urlencode({"secret": secret, "issuer": issuer}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """Draw the URI as a QR code, an SVG document of its own."""
    out = io.BytesIO()
    # Error correction M: a phone camera reads it from a screen, with room for glare.
    import segno  # only for TOTP set-up: the cold start does not load it

    segno.make(uri, error="m", micro=False).save(out, kind="svg", scale=4, xmldecl=False)
    return out.getvalue().decode("utf-8")


def totp_setup(issuer: str, account: str | None, secret: str) -> dict[str, str]:
    """The body of a TOTP set-up answer: the secret, its URI and the URI's QR code."""
    uri = otpauth_uri(issuer, account, secret)
    return {"secretCode": secret, "otpauthUri": uri, "qrSvg": qr_svg(uri)}

"""Every problem code the API answers with, named once, with its title.

A problem's `code` is the stable name clients branch on (its `type` is made from it); its
`title` is the same in every answer with that code, as RFC 9457 asks. Nothing else in
`proxy_app` spells a code: it names the constant.
"""

from __future__ import annotations

TITLES: dict[str, str] = {}


def _code(code: str, title: str) -> str:
    TITLES[code] = title
    return code


# The request itself.
VALIDATION_FAILED = _code("ValidationFailed", "Invalid request")
MALFORMED_JSON = _code("MalformedJson", "Malformed JSON")
MALFORMED_REQUEST = _code("MalformedRequest", "Bad request")
BAD_REQUEST = _code("BadRequest", "Bad request")  # any other 4xx werkzeug refuses with
NOT_FOUND = _code("NotFound", "Not found")
METHOD_NOT_ALLOWED = _code("MethodNotAllowed", "Method not allowed")
PAYLOAD_TOO_LARGE = _code("PayloadTooLarge", "Payload too large")
UNSUPPORTED_MEDIA_TYPE = _code("UnsupportedMediaType", "Unsupported media type")
HEADERS_TOO_LARGE = _code("HeadersTooLarge", "Request header fields too large")

# Who is asking.
NOT_AUTHORIZED = _code("NotAuthorized", "Not authorized")
INVALID_TOKEN = _code("InvalidToken", "Invalid token")
FORBIDDEN = _code("Forbidden", "Forbidden")
ATTRIBUTE_NOT_WRITABLE = _code("AttributeNotWritable", "Attribute not writable")

# The account and what Cognito says of it.
USER_NOT_CONFIRMED = _code("UserNotConfirmed", "User not confirmed")
PASSWORD_RESET_REQUIRED = _code("PasswordResetRequired", "Password reset required")
USERNAME_EXISTS = _code("UsernameExists", "Username exists")
ALIAS_EXISTS = _code("AliasExists", "Alias exists")
CODE_MISMATCH = _code("CodeMismatch", "Code mismatch")
EXPIRED_CODE = _code("ExpiredCode", "Expired code")
SOFTWARE_TOKEN_NOT_SET_UP = _code("SoftwareTokenNotSetUp", "Authenticator not set up")
INVALID_PASSWORD = _code("InvalidPassword", "Invalid password")

# Cognito, and this service.
TOO_MANY_REQUESTS = _code("TooManyRequests", "Too many requests")
CODE_DELIVERY_FAILED = _code("CodeDeliveryFailed", "Code delivery failed")
UPSTREAM_ERROR = _code("UpstreamError", "Upstream error")
UPSTREAM_UNAVAILABLE = _code("UpstreamUnavailable", "Upstream unavailable")
INTERNAL_ERROR = _code("InternalError", "Internal error")

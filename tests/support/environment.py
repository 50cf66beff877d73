"""What the tests scrub from the developer's shell, and the fake AWS settings they set."""

from __future__ import annotations

from tests.support.cognito import REGION

# What a developer's shell may hold that would change the app, boto3 or moto under test:
# every name with one of these prefixes, and these exact names. Every AWS_ variable goes
# (profiles, endpoint URLs, Lambda's names); the fake credentials are set again.
APP_PREFIXES = (
    "COGNITO_",
    "TOKEN_",
    "LEGACY_",
    "LOCAL_",
    "MFA_",
    "DEMO_",
    "REVOCATION_",
    "CORS_",
    "AUTOCONFIRM_",
    "JWKS_",
    "DYNAMODB_",
    "AWS_",
    "MOTO_",
)
APP_NAMES = frozenset(
    {"REGION_NAME", "LOG_LEVEL", "WRITABLE_ATTRIBUTES", "ACCEPT_CREDENTIAL_HEADERS"}
)
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def scrubbed(name: str) -> bool:
    """True for an environment variable the tests start without."""
    return name in APP_NAMES or name.startswith(APP_PREFIXES)

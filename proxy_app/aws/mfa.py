"""The calls that set up and choose MFA factors: an authenticator app's secret and first
code (for a signed-in user's access token, or a sign-in's MFA_SETUP session), and the
factors a user has and prefers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from proxy_app.aws.calls import token_bound_errors
from proxy_app.core.models import SoftwareTokenSetup, SoftwareTokenVerified

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

# SetUserMFAPreference's parameter for each of the API's factors.
FACTOR_SETTINGS = {
    "totp": "SoftwareTokenMfaSettings",
    "sms": "SMSMfaSettings",
    "email": "EmailMfaSettings",
}


class MfaCalls:
    """The MFA calls, on the gateway's client."""

    if TYPE_CHECKING:

        @property
        def client(self) -> CognitoIdentityProviderClient: ...

    def associate_software_token(
        self, *, access_token: str | None = None, session: str | None = None
    ) -> SoftwareTokenSetup:
        """Start TOTP set-up with AssociateSoftwareToken, for a signed-in user or a sign-in."""
        with token_bound_errors():
            answer = self.client.associate_software_token(
                **_token_or_session(access_token, session)
            )
        return SoftwareTokenSetup.of(answer)

    def verify_software_token(
        self,
        code: str,
        device_name: str | None,
        *,
        access_token: str | None = None,
        session: str | None = None,
    ) -> SoftwareTokenVerified:
        """Check a first TOTP code with VerifySoftwareToken (it turns the token on)."""
        device = {} if device_name is None else {"FriendlyDeviceName": device_name}
        with token_bound_errors():
            answer = self.client.verify_software_token(
                UserCode=code,
                **device,
                **_token_or_session(access_token, session),
            )
        return SoftwareTokenVerified.of(answer)

    def set_user_mfa_preference(
        self, access_token: str, factors: Mapping[str, Mapping[str, bool]]
    ) -> None:
        """Enable, disable and prefer MFA factors (the API's names: totp, sms, email, each
        with `enabled` and `preferred`) with SetUserMFAPreference."""
        settings = {
            FACTOR_SETTINGS[name]: {
                "Enabled": factor["enabled"],
                "PreferredMfa": factor["preferred"],
            }
            for name, factor in factors.items()
        }
        with token_bound_errors():
            self.client.set_user_mfa_preference(
                AccessToken=access_token,
                **settings,  # type: ignore[arg-type]
            )


def _token_or_session(access_token: str | None, session: str | None) -> dict[str, str]:
    """Name the user of a TOTP call: a signed-in user's access token, or a sign-in session."""
    if access_token is not None:
        return {"AccessToken": access_token}
    if session is not None:
        return {"Session": session}
    raise ValueError("an access token or a session is required")

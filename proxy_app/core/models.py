"""Cognito's answers, parsed once: the gateway returns these and nothing else reads a
boto3 dict.

A model is built from the answer of the operation that produced it; one that lacks what
it must have raises `unexpected_answer` (502 at the HTTP edge), wherever it is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from proxy_app.core.errors import CognitoRefused, unexpected_answer

# Cognito's names for the MFA factors, and the API's. A factor not listed here is not
# shown: the API documents these three.
FACTOR_NAMES = {"SOFTWARE_TOKEN_MFA": "totp", "SMS_MFA": "sms", "EMAIL_OTP": "email"}


@dataclass(frozen=True)
class CodeDelivery:
    """Where Cognito sent a code (CodeDeliveryDetails)."""

    destination: str | None
    medium: str | None
    attribute: str | None

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> CodeDelivery | None:
        """The delivery an answer describes, or None when it describes none."""
        if not details:
            return None
        return cls(
            destination=_text(details.get("Destination")),
            medium=_text(details.get("DeliveryMedium")),
            attribute=_text(details.get("AttributeName")),
        )


@dataclass(frozen=True)
class Tokens:
    """A signed-in user's tokens (AuthenticationResult)."""

    id_token: str
    access_token: str
    expires_in: int
    token_type: str
    refresh_token: str | None


@dataclass(frozen=True)
class Challenge:
    """What a sign-in must answer next (ChallengeName, Session, ChallengeParameters)."""

    name: str
    session: str
    parameters: dict[str, str]


SignInResult = Tokens | Challenge


def sign_in_result(answer: Mapping[str, Any], operation: str) -> SignInResult:
    """Parse an InitiateAuth-style answer: tokens, or the challenge to answer next."""
    tokens = answer.get("AuthenticationResult")
    if tokens:
        if not tokens.get("IdToken") or not tokens.get("AccessToken"):
            raise unexpected_answer(operation)
        return Tokens(
            id_token=str(tokens["IdToken"]),
            access_token=str(tokens["AccessToken"]),
            expires_in=int(tokens.get("ExpiresIn", 3600)),
            token_type=str(tokens.get("TokenType", "Bearer")),
            refresh_token=_text(tokens.get("RefreshToken")),
        )
    if answer.get("ChallengeName"):
        parameters = answer.get("ChallengeParameters") or {}
        return Challenge(
            name=str(answer["ChallengeName"]),
            session=str(answer.get("Session") or ""),
            parameters={str(k): str(v) for k, v in parameters.items()},
        )
    raise unexpected_answer(operation)


def refreshed_tokens(answer: Mapping[str, Any]) -> Tokens:
    """Parse a refresh's answer: tokens (a refresh never asks a challenge)."""
    result = sign_in_result(answer, "InitiateAuth")
    if not isinstance(result, Tokens):
        raise unexpected_answer("InitiateAuth")
    return result


@dataclass(frozen=True)
class SignUpResult:
    """SignUp's answer: the new user's sub, whether it is confirmed, where the code went."""

    sub: str
    confirmed: bool
    delivery: CodeDelivery | None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> SignUpResult:
        return cls(
            sub=str(answer.get("UserSub") or ""),
            confirmed=bool(answer.get("UserConfirmed")),
            delivery=CodeDelivery.of(answer.get("CodeDeliveryDetails")),
        )


@dataclass(frozen=True)
class MfaSettings:
    """A user's MFA factors under the API's names."""

    enabled: tuple[str, ...] = ()
    preferred: str | None = None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> MfaSettings:
        listed = answer.get("UserMFASettingList") or []
        return cls(
            enabled=tuple(FACTOR_NAMES[name] for name in listed if name in FACTOR_NAMES),
            preferred=FACTOR_NAMES.get(answer.get("PreferredMfaSetting") or ""),
        )


@dataclass(frozen=True)
class User:
    """A user as AdminGetUser, GetUser, ListUsers or AdminCreateUser describe it.

    GetUser tells neither status nor enabled (it answers only for an enabled user's live
    token): `status` is None and `enabled` True there.
    """

    username: str
    attributes: dict[str, str]
    status: str | None = None
    enabled: bool = True
    created: datetime | None = None
    modified: datetime | None = None
    mfa: MfaSettings = field(default_factory=MfaSettings)

    @property
    def sub(self) -> str:
        return self.attributes.get("sub", "")

    @property
    def email(self) -> str | None:
        return self.attributes.get("email") or None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> User:
        # AdminGetUser and GetUser say UserAttributes; ListUsers and AdminCreateUser,
        # Attributes.
        listed = answer.get("UserAttributes")
        if listed is None:
            listed = answer.get("Attributes") or []
        attributes = {
            str(item.get("Name")): str(item.get("Value") or "")
            for item in listed
            if isinstance(item, Mapping) and item.get("Name")
        }
        return cls(
            username=str(answer.get("Username") or ""),
            attributes=attributes,
            status=_text(answer.get("UserStatus")),
            enabled=answer.get("Enabled") is not False,
            created=_moment(answer.get("UserCreateDate")),
            modified=_moment(answer.get("UserLastModifiedDate")),
            mfa=MfaSettings.of(answer),
        )


@dataclass(frozen=True)
class Group:
    """A pool's group (ListGroups, AdminListGroupsForUser)."""

    name: str
    description: str | None
    precedence: int | None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> Group:
        precedence = answer.get("Precedence")
        return cls(
            name=str(answer.get("GroupName") or ""),
            description=_text(answer.get("Description")),
            precedence=precedence if isinstance(precedence, int) else None,
        )


@dataclass(frozen=True)
class SoftwareTokenSetup:
    """AssociateSoftwareToken's answer: the authenticator's secret, and a sign-in's next
    session (only when set up during MFA_SETUP)."""

    secret: str
    session: str | None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> SoftwareTokenSetup:
        secret = answer.get("SecretCode")
        if not secret:
            raise unexpected_answer("AssociateSoftwareToken")
        return cls(secret=str(secret), session=_text(answer.get("Session")))


@dataclass(frozen=True)
class SoftwareTokenVerified:
    """VerifySoftwareToken's answer: SUCCESS (ERROR is raised as a wrong code), and a
    sign-in's next session."""

    status: str
    session: str | None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> SoftwareTokenVerified:
        status = answer.get("Status")
        if not status:
            raise unexpected_answer("VerifySoftwareToken")
        if status != "SUCCESS":
            # ERROR: the code was not accepted. Answered as a wrong code, never a success.
            raise CognitoRefused("EnableSoftwareTokenMFAException", "The code was not accepted.")
        return cls(status=str(status), session=_text(answer.get("Session")))


@dataclass(frozen=True)
class PoolAttribute:
    """One attribute of a pool's schema."""

    name: str
    data_type: str  # String, Number, DateTime or Boolean
    required: bool
    mutable: bool


@dataclass(frozen=True)
class PasswordPolicy:
    """What the pool asks of a password."""

    minimum_length: int = 8
    require_uppercase: bool = False
    require_lowercase: bool = False
    require_numbers: bool = False
    require_symbols: bool = False


@dataclass(frozen=True)
class UserPool:
    """A pool's settings as DescribeUserPool tells them."""

    name: str
    case_sensitive: bool
    username_attributes: tuple[str, ...]
    attributes: tuple[PoolAttribute, ...]
    password_policy: PasswordPolicy

    @property
    def signs_in_by_email(self) -> bool:
        return "email" in self.username_attributes

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> UserPool:
        naming = answer.get("UsernameConfiguration") or {}
        policy = (answer.get("Policies") or {}).get("PasswordPolicy") or {}
        return cls(
            name=str(answer.get("Name") or ""),
            # A pool made before the setting existed compares names with case.
            case_sensitive=bool(naming.get("CaseSensitive", True)),
            username_attributes=tuple(str(a) for a in answer.get("UsernameAttributes") or []),
            attributes=tuple(
                PoolAttribute(
                    name=str(item.get("Name") or ""),
                    data_type=str(item.get("AttributeDataType") or "String"),
                    required=bool(item.get("Required")),
                    mutable=item.get("Mutable") is not False,
                )
                for item in answer.get("SchemaAttributes") or []
            ),
            password_policy=PasswordPolicy(
                minimum_length=int(policy.get("MinimumLength") or 8),
                require_uppercase=bool(policy.get("RequireUppercase")),
                require_lowercase=bool(policy.get("RequireLowercase")),
                require_numbers=bool(policy.get("RequireNumbers")),
                require_symbols=bool(policy.get("RequireSymbols")),
            ),
        )


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None

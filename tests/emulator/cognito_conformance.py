"""What Cognito does, row by row: the conformance table the local emulator is held to.

Each row is one documented behaviour of Amazon Cognito user pools: the operation, the
account's state, the pool or client setting, what is given, Cognito's answer (an exception
and, where clients depend on it, its message; or "ok" and what then holds), the page that
documents it, and the unit of local_cognito/differences.py that teaches moto this
behaviour (None where moto already behaves so). tests/emulator/test_conformance.py runs every row
against the emulator through boto3; the README's "How local mode matches Cognito" section
is checked against this table.

The scenarios (the `act` column) are small functions in tests/emulator/test_conformance.py, named
after what they do; a person reads the table, not them.
"""

from __future__ import annotations

from dataclasses import dataclass

# The pages, named once.
API = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
GUIDE = "https://docs.aws.amazon.com/cognito/latest/developerguide/"
ADMIN_CREATE_USER = API + "API_AdminCreateUser.html"
ADMIN_RESET = API + "API_AdminResetUserPassword.html"
ADMIN_SET_PASSWORD = API + "API_AdminSetUserPassword.html"
ASSOCIATE = API + "API_AssociateSoftwareToken.html"
VERIFY_TOTP = API + "API_VerifySoftwareToken.html"
FORGOT = API + "API_ForgotPassword.html"
CONFIRM_FORGOT = API + "API_ConfirmForgotPassword.html"
CLIENT_TYPE = API + "API_UserPoolClientType.html"
RECOVERY = GUIDE + "how-to-recover-a-user-account.html"
ERRORS = GUIDE + "cognito-user-pool-managing-errors.html"
LOCKOUT = GUIDE + "authentication.html#authentication-flow-lockout-behavior"
MFA = GUIDE + "user-pool-settings-mfa.html"
ID_TOKEN = GUIDE + "amazon-cognito-user-pools-using-the-id-token.html"
ACCESS_TOKEN = GUIDE + "amazon-cognito-user-pools-using-the-access-token.html"
CASE = GUIDE + "user-pool-case-sensitivity.html"
ATTRIBUTES = GUIDE + "user-pool-settings-attributes.html"
SECRET_HASH = GUIDE + "signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash"
IMPORT_RESET = GUIDE + "cognito-user-pools-using-import-tool-password-reset.html"
FORGOT_KC = "https://repost.aws/knowledge-center/cognito-forgot-password"
RESET_KC = (
    "https://aws.amazon.com/premiumsupport/knowledge-center/cognito-reset-password-with-aws-cli/"
)
NOT_CONFIRMED_REPORT = "https://github.com/amazon-archives/amazon-cognito-identity-js/issues/288"
DISABLED_REPORT = "https://github.com/aws-amplify/amplify-js/issues/5503"
ALREADY_CONFIRMED_REPORT = "https://github.com/aws-amplify/amplify-ui/issues/219"
ATTEMPTS_REPORT = "https://github.com/aws-amplify/amplify-js/issues/8013"
MFA_MISMATCH_REPORT = "https://github.com/aws-amplify/amplify-js/issues/3066"
TOTP_MISMATCH_REPORT = "https://github.com/aws-samples/aws-amplify-auth-starters/issues/15"
UNCONFIRMED_RESET_REPORT = "https://github.com/aws/aws-sdk-net/issues/1984"
LOCKOUT_REPORT = "https://github.com/amazon-archives/amazon-cognito-identity-js/issues/506"
ADMIN_RESET_REPORT = "https://github.com/RunaVault/RunaVault/issues/15"
INVITED_CONFIRM_REPORT = "https://github.com/aws-amplify/amplify-js/issues/6711"
UNCONFIRMED_SET_REPORT = "https://github.com/aws/aws-sdk-js/issues/2976"
REVOKED_REPORT = "https://github.com/aws-amplify/amplify-js/issues/3540"
SESSION_REPORT = "https://github.com/aws-amplify/amplify-js/issues/5834"

NO_VERIFIED_CHANNEL = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)


@dataclass(frozen=True)
class Row:
    """One documented behaviour of Cognito."""

    act: str  # the scenario in tests/emulator/test_conformance.py
    operation: str
    state: str  # the account's status before the call ("-" where there is no account)
    setting: str  # the pool or app client setting that matters ("" for the default pool)
    given: str  # the input, in words
    answer: str  # an exception name, or "ok"
    then: str  # the message clients depend on, or what holds after an "ok"
    reference: str
    difference: str | None  # the unit of local_cognito/differences.py, None if moto's own


# One row per line group, aligned by hand for reading: not reformatted.
# fmt: off
ROWS: tuple[Row, ...] = (
    # --- Password sign-in, by status ------------------------------------------------------
    Row("sign_in", "AdminInitiateAuth", "UNCONFIRMED", "", "the right password",
        "UserNotConfirmedException", "", NOT_CONFIRMED_REPORT,
        "unconfirmed_users_get_no_tokens"),
    Row("sign_in", "AdminInitiateAuth", "CONFIRMED", "", "the right password",
        "ok", "tokens", ERRORS, None),
    Row("sign_in_wrong_password", "AdminInitiateAuth", "CONFIRMED", "", "a wrong password",
        "NotAuthorizedException", "Incorrect username or password.", ERRORS,
        "wrong_passwords_are_incorrect_username_or_password"),
    Row("sign_in", "AdminInitiateAuth", "FORCE_CHANGE_PASSWORD", "",
        "the temporary password", "ok", "challenge NEW_PASSWORD_REQUIRED", ADMIN_CREATE_USER,
        None),
    Row("sign_in", "AdminInitiateAuth", "RESET_REQUIRED", "", "the old password",
        "PasswordResetRequiredException", "", ADMIN_RESET,
        "reset_required_users_must_reset_first"),
    Row("sign_in", "AdminInitiateAuth", "disabled", "", "the right password",
        "NotAuthorizedException", "User is disabled.", DISABLED_REPORT, None),
    Row("sign_in_unknown_user_hidden", "AdminInitiateAuth", "-",
        "client PreventUserExistenceErrors=ENABLED", "an unknown username",
        "NotAuthorizedException", "Incorrect username or password.", ERRORS,
        "wrong_passwords_are_incorrect_username_or_password"),
    # --- ForgotPassword, by status and channel --------------------------------------------
    Row("forgot_password", "ForgotPassword", "UNCONFIRMED", "", "(email not verified)",
        "InvalidParameterException", NO_VERIFIED_CHANNEL, UNCONFIRMED_RESET_REPORT,
        "reset_codes_go_only_to_verified_channels"),
    Row("forgot_password", "ForgotPassword", "CONFIRMED", "", "(email verified)",
        "ok", "code sent by EMAIL", FORGOT, "forgot_password_sends_a_code"),
    Row("forgot_password_unverified", "ForgotPassword", "CONFIRMED", "",
        "(email not verified)", "InvalidParameterException", NO_VERIFIED_CHANNEL, FORGOT_KC,
        "reset_codes_go_only_to_verified_channels"),
    Row("forgot_password_by_phone", "ForgotPassword", "CONFIRMED",
        "AccountRecoverySetting verified_email, then verified_phone_number",
        "(email not verified, phone verified)", "ok", "code sent by SMS", RECOVERY,
        "reset_codes_go_only_to_verified_channels"),
    Row("forgot_password", "ForgotPassword", "FORCE_CHANGE_PASSWORD", "", "(email verified)",
        "NotAuthorizedException", "User password cannot be reset in the current state.",
        FORGOT_KC, "force_change_password_users_cannot_reset"),
    Row("forgot_password", "ForgotPassword", "RESET_REQUIRED", "", "(email verified)",
        "ok", "code sent by EMAIL", IMPORT_RESET, "forgot_password_sends_a_code"),
    # --- ConfirmForgotPassword ------------------------------------------------------------
    Row("confirm_forgot_password", "ConfirmForgotPassword", "CONFIRMED", "",
        "the code sent, a new password the policy accepts", "ok",
        "CONFIRMED; the new password signs in", CONFIRM_FORGOT,
        "confirm_forgot_password_checks_the_code"),
    Row("confirm_forgot_password", "ConfirmForgotPassword", "RESET_REQUIRED", "",
        "the code sent, a new password the policy accepts", "ok",
        "CONFIRMED; the new password signs in", IMPORT_RESET,
        "confirm_forgot_password_applies_the_policy"),
    Row("confirm_forgot_password_weak", "ConfirmForgotPassword", "CONFIRMED", "",
        "the code sent, a password the policy refuses", "InvalidPasswordException", "",
        CONFIRM_FORGOT, "confirm_forgot_password_applies_the_policy"),
    Row("confirm_forgot_password_wrong_code", "ConfirmForgotPassword", "CONFIRMED", "",
        "another code", "CodeMismatchException", "", CONFIRM_FORGOT,
        "confirm_forgot_password_checks_the_code"),
    Row("confirm_forgot_password_after_wrong_codes", "ConfirmForgotPassword", "CONFIRMED",
        "", "the right code after 5 wrong ones", "LimitExceededException",
        "Attempt limit exceeded, please try after some time.", RECOVERY,
        "repeated_wrong_codes_are_refused"),
    # --- Sign-up confirmation -------------------------------------------------------------
    Row("resend_confirmation_code", "ResendConfirmationCode", "UNCONFIRMED", "", "",
        "ok", "code sent by EMAIL", API + "API_ResendConfirmationCode.html",
        "resend_confirmation_code"),
    Row("resend_confirmation_code", "ResendConfirmationCode", "CONFIRMED", "", "",
        "InvalidParameterException", "User is already confirmed.",
        "https://github.com/aws-amplify/amplify-js/issues/14762", "resend_confirmation_code"),
    Row("confirm_sign_up", "ConfirmSignUp", "UNCONFIRMED", "", "the code sent", "ok",
        "CONFIRMED", API + "API_ConfirmSignUp.html", "confirm_sign_up_checks_the_code"),
    Row("confirm_sign_up_verifies_email", "ConfirmSignUp", "UNCONFIRMED", "",
        "the code sent by email", "ok", "email_verified true; ForgotPassword sends a code",
        GUIDE + "signing-up-users-in-your-app.html",
        "confirming_a_sign_up_verifies_where_the_code_went"),
    Row("confirm_sign_up_wrong_code", "ConfirmSignUp", "UNCONFIRMED", "", "another code",
        "CodeMismatchException", "", API + "API_ConfirmSignUp.html",
        "confirm_sign_up_checks_the_code"),
    Row("confirm_sign_up_after_wrong_codes", "ConfirmSignUp", "UNCONFIRMED", "",
        "the right code after 5 wrong ones", "LimitExceededException",
        "Attempt limit exceeded, please try after some time.", ATTEMPTS_REPORT,
        "repeated_wrong_codes_are_refused"),
    Row("confirm_sign_up", "ConfirmSignUp", "FORCE_CHANGE_PASSWORD", "", "any code",
        "NotAuthorizedException", "User cannot be confirmed. Current status is "
        "FORCE_CHANGE_PASSWORD", INVITED_CONFIRM_REPORT, "only_sign_ups_are_confirmed"),
    Row("confirm_sign_up", "ConfirmSignUp", "RESET_REQUIRED", "", "any code",
        "NotAuthorizedException", "User cannot be confirmed. Current status is RESET_REQUIRED",
        INVITED_CONFIRM_REPORT, "only_sign_ups_are_confirmed"),
    Row("confirm_sign_up", "ConfirmSignUp", "CONFIRMED", "", "any code",
        "NotAuthorizedException", "", ALREADY_CONFIRMED_REPORT,
        "confirm_sign_up_checks_the_code"),
    # --- Administrators -------------------------------------------------------------------
    Row("admin_reset", "AdminResetUserPassword", "CONFIRMED", "", "(email verified)", "ok",
        "RESET_REQUIRED; the code sent by EMAIL sets a new password", ADMIN_RESET,
        "admin_resets_send_a_code"),
    Row("admin_reset", "AdminResetUserPassword", "FORCE_CHANGE_PASSWORD", "",
        "(email verified)", "NotAuthorizedException",
        "User password cannot be reset in the current state.", ADMIN_RESET_REPORT, None),
    Row("admin_reset_unverified", "AdminResetUserPassword", "CONFIRMED", "",
        "(email not verified)", "InvalidParameterException", NO_VERIFIED_CHANNEL, RESET_KC,
        None),
    Row("admin_reset", "AdminResetUserPassword", "RESET_REQUIRED", "", "(email verified)",
        "ok", "RESET_REQUIRED; the code sent by EMAIL sets a new password", ADMIN_RESET,
        "admin_resets_send_a_code"),
    Row("admin_set_permanent", "AdminSetUserPassword", "UNCONFIRMED", "",
        "Permanent=true", "ok", "CONFIRMED", UNCONFIRMED_SET_REPORT, None),
    Row("admin_set_permanent", "AdminSetUserPassword", "FORCE_CHANGE_PASSWORD", "",
        "Permanent=true", "ok", "CONFIRMED", ADMIN_SET_PASSWORD, None),
    Row("admin_set_permanent", "AdminSetUserPassword", "RESET_REQUIRED", "",
        "Permanent=true", "ok", "CONFIRMED", ADMIN_SET_PASSWORD, None),
    Row("admin_set_temporary", "AdminSetUserPassword", "CONFIRMED", "", "Permanent=false",
        "ok", "FORCE_CHANGE_PASSWORD", ADMIN_SET_PASSWORD, None),
    Row("admin_set_weak", "AdminSetUserPassword", "CONFIRMED", "",
        "a password the policy refuses", "InvalidPasswordException", "", ADMIN_SET_PASSWORD,
        None),
    Row("invite", "AdminCreateUser", "-", "", "no TemporaryPassword, no MessageAction",
        "ok", "FORCE_CHANGE_PASSWORD; the invitation's password signs in",
        ADMIN_CREATE_USER, "invitations_send_a_temporary_password"),
    # --- MFA: SMS, TOTP, set-up, sessions -------------------------------------------------
    Row("sms_mfa_sign_in", "AdminRespondToAuthChallenge", "CONFIRMED", "SMS MFA preferred",
        "the code texted", "ok", "tokens; the challenge said where the code went", MFA,
        "sms_mfa_codes_are_sent_and_checked"),
    Row("sms_mfa_wrong_code", "AdminRespondToAuthChallenge", "CONFIRMED",
        "SMS MFA preferred", "another code", "CodeMismatchException",
        "Invalid code or auth state for the user.", MFA_MISMATCH_REPORT,
        "sms_mfa_codes_are_sent_and_checked"),
    Row("associate_software_token", "AssociateSoftwareToken", "CONFIRMED", "", "",
        "ok", "a random base32 secret of 32 characters, another for another user", ASSOCIATE,
        "authenticator_secrets_are_random"),
    Row("verify_software_token_wrong_code", "VerifySoftwareToken", "CONFIRMED", "",
        "a code of another secret", "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA", TOTP_MISMATCH_REPORT,
        "totp_codes_are_checked"),
    Row("totp_sign_in", "AdminRespondToAuthChallenge", "CONFIRMED", "TOTP MFA preferred",
        "the authenticator's code", "ok", "tokens", MFA, "totp_codes_are_checked"),
    Row("totp_wrong_code", "AdminRespondToAuthChallenge", "CONFIRMED",
        "TOTP MFA preferred", "a wrong code", "CodeMismatchException",
        "Invalid code or auth state for the user.", MFA_MISMATCH_REPORT,
        "totp_codes_are_checked"),
    Row("totp_after_wrong_codes", "AdminRespondToAuthChallenge", "CONFIRMED",
        "TOTP MFA preferred", "the right code after 5 wrong ones", "NotAuthorizedException",
        "Password attempts exceeded", LOCKOUT, "totp_codes_are_checked"),
    Row("mfa_setup_required", "AdminInitiateAuth", "CONFIRMED",
        "pool MfaConfiguration=ON (TOTP)", "the right password", "ok",
        "challenge MFA_SETUP, MFAS_CAN_SETUP a JSON list", MFA,
        "required_mfa_is_set_up_before_tokens"),
    Row("mfa_setup_old_session", "AdminRespondToAuthChallenge", "CONFIRMED",
        "pool MfaConfiguration=ON (TOTP)", "the session VerifySoftwareToken replaced",
        "NotAuthorizedException", "", VERIFY_TOTP,
        "verifying_an_authenticator_ends_its_session"),
    Row("session_expired", "AdminRespondToAuthChallenge", "CONFIRMED",
        "TOTP MFA preferred; AuthSessionValidity unset (3 minutes)",
        "the right code, 3 minutes later", "NotAuthorizedException", "", CLIENT_TYPE,
        "challenge_sessions_expire"),
    Row("session_within_validity", "AdminRespondToAuthChallenge", "CONFIRMED",
        "TOTP MFA preferred; AuthSessionValidity=15", "the right code, 10 minutes later",
        "ok", "tokens", CLIENT_TYPE, "challenge_sessions_expire"),
    Row("session_unknown", "AdminRespondToAuthChallenge", "-", "", "a made-up session",
        "NotAuthorizedException", "", SESSION_REPORT, "unknown_session_is_not_authorized"),
    # --- Tokens ---------------------------------------------------------------------------
    Row("id_token_claims", "AdminInitiateAuth", "CONFIRMED", "", "the right password",
        "ok", "id token: email, name, email_verified (a boolean), cognito:username, "
        "auth_time, origin_jti", ID_TOKEN, "id_tokens_carry_the_users_attributes"),
    Row("refresh_keeps_auth_time", "AdminInitiateAuth", "CONFIRMED", "",
        "REFRESH_TOKEN_AUTH, a second later", "ok",
        "both tokens keep the sign-in's auth_time and origin_jti", ACCESS_TOKEN,
        "id_tokens_carry_the_users_attributes"),
    Row("access_token_after_sign_out", "GetUser", "CONFIRMED", "",
        "an access token of before AdminUserGlobalSignOut", "NotAuthorizedException",
        "Access Token has been revoked", REVOKED_REPORT, "signed_out_access_tokens_are_revoked"),
    Row("access_token_after_sign_out", "UpdateUserAttributes", "CONFIRMED", "",
        "an access token of before AdminUserGlobalSignOut", "NotAuthorizedException",
        "Access Token has been revoked", REVOKED_REPORT, "signed_out_access_tokens_are_revoked"),
    Row("access_token_after_sign_out", "DeleteUser", "CONFIRMED", "",
        "an access token of before AdminUserGlobalSignOut", "NotAuthorizedException",
        "Access Token has been revoked", REVOKED_REPORT, "signed_out_access_tokens_are_revoked"),
    # --- The app client's secret ------------------------------------------------------------
    # (The messages name the client: the scenario checks them.)
    Row("secret_hash", "SignUp", "-", "app client with a secret", "no SECRET_HASH",
        "NotAuthorizedException", "", SECRET_HASH, "secret_hashes_are_checked"),
    Row("secret_hash", "SignUp", "-", "app client with a secret",
        "another user's SECRET_HASH", "NotAuthorizedException", "", SECRET_HASH,
        "secret_hashes_are_checked"),
    Row("secret_hash", "SignUp", "-", "app client with a secret", "its SECRET_HASH", "ok",
        "UNCONFIRMED", SECRET_HASH, "secret_hashes_are_checked"),
    # --- Usernames ------------------------------------------------------------------------
    Row("case_insensitive_sign_in", "AdminInitiateAuth", "CONFIRMED",
        "UsernameConfiguration CaseSensitive=false", "the username in upper case", "ok",
        "tokens for the same user, cognito:username in lower case", CASE,
        "usernames_ignore_case_where_the_pool_says_so"),
    Row("case_insensitive_sign_up", "SignUp", "UNCONFIRMED",
        "UsernameConfiguration CaseSensitive=false", "the same username in another case",
        "UsernameExistsException", "", CASE, "usernames_ignore_case_where_the_pool_says_so"),
    Row("case_sensitive_sign_in", "AdminInitiateAuth", "CONFIRMED",
        "UsernameConfiguration CaseSensitive=true (the API's default)",
        "the username in upper case", "UserNotFoundException", "", CASE, None),
    Row("email_username_sign_up", "SignUp", "-", "UsernameAttributes=[email]",
        "an email as the username", "ok", "the username is a generated id, equal to sub",
        ATTRIBUTES, None),
    Row("email_username_sign_in", "AdminInitiateAuth", "CONFIRMED",
        "UsernameAttributes=[email], CaseSensitive=false", "the email in upper case", "ok",
        "tokens whose cognito:username is the generated id", CASE,
        "usernames_ignore_case_where_the_pool_says_so"),
)
# fmt: on

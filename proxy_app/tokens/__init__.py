"""Cognito's JWTs verified: compact JWS parsing (jws), the pool's key set (jwks), the verifier."""

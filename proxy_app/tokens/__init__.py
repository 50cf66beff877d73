"""Cognito's JWTs verified: the JSON Web Key Set cache and the verifier."""

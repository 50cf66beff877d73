"""The core: Cognito's answers as models, the account rules, the token guard.

It imports neither Flask nor click: a request, a `flask users` command and the trigger
Lambda run the same rules through it.
"""

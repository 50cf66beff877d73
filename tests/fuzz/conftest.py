"""Fixtures of the fuzzing tests (schemathesis over the OpenAPI document). None is shared by
two of its modules yet: one that is goes here; fuzz_hooks.py is loaded by `st run` itself."""

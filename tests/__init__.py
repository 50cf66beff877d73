"""The test suite, by level: each folder holds one level, its conftest.py the fixtures only
that level uses; tests/conftest.py holds what several levels share, and tests/support/ the
helpers written once (see tests/README.md)."""

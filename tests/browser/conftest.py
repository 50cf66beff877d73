"""Fixtures of the browser tests (Debian's Chromium through Playwright). None is shared by
two of its modules yet: one that is goes here."""

"""Fixtures of the Lambda tests (wsgi.handler, the migration trigger, cold start). None is
shared by two of its modules yet: one that is goes here; the events are in tests/events/."""

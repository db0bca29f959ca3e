"""Integration tests use the session's real worker: `worker`, in tests/conftest.py."""

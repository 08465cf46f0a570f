"""Shared by the adapter contract tests."""
import httpx
import pytest


@pytest.fixture(scope="module")
def client():
    """A real httpx client, shared as the app shares one (building one loads the CA bundle)."""
    with httpx.Client() as c:
        yield c

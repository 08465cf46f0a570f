"""One running fake per test module, reset before each test.

Starting a server costs more than most contract tests, so a module shares one;
``reset()`` gives every test a clean slate.
"""
import pytest


def fake_fixtures(make):
    """Return the ``server`` (module) and ``fake`` (per test) fixtures for a fake made by ``make()``."""

    @pytest.fixture(scope="module")
    def server():
        with make() as running:
            yield running

    @pytest.fixture
    def fake(server):
        server.reset()
        return server

    return server, fake

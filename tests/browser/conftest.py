"""Browser tests: Debian's chromium driven by Playwright, a real worker process."""
import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API runs an event loop in the test's thread, and Django
    then refuses ORM calls (SynchronousOnlyOperation) though ours are plain
    synchronous ones. Allowed for the browser tests only, from their first
    fixture to the database flush after them."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def logged_in_page(page, live_server, member, local_connection):
    from tests.conftest import PASSWORD

    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    return page

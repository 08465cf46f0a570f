"""Browser tests: Debian's chromium driven by Playwright, a real worker process."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """A real `manage.py qcluster` on the same file-backed test database."""
    settings.STUDIO_TASKS_INLINE = False  # queue to the broker, as in production
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1",
           "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "qcluster.log", "wb")
    proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(0.5)
    assert proc.poll() is None, (tmp_path / "qcluster.log").read_text()
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


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

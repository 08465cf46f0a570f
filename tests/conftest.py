import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PASSWORD = "correct horse battery staple"


def group_running(pgid: int) -> list[str]:
    """The states of the process group's processes still running (zombies
    waiting for a reaper do not count); ``ps -g`` selects by session, which a
    worker started with ``start_new_session`` leads."""
    states = subprocess.run(["ps", "-o", "stat=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [state for state in states.split() if not state.startswith("Z")]


def group_kill(pgid: int) -> None:
    """SIGKILL whatever of a worker's group is left, even when its main process is gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("mira", password=PASSWORD, first_name="Mira")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", password=PASSWORD, is_staff=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def local_connection(db):
    from providers.models import ProviderConnection

    # get_or_create: transactional tests flush the row the data migration made.
    return ProviderConnection.objects.get_or_create(kind="local", defaults={"name": "Offline renderer"})[0]


@pytest.fixture
def edit_connection(local_connection, media_root):
    """The offline renderer with an editing model: up to 2 input images and a mask."""
    local_connection.custom_models = [{
        "id": "placeholder-edit", "label": "Placeholder editor", "size": {"type": "list", "sizes": ["256x256"]},
        "max_n": 1, "price": "0", "inputs": {"max_images": 2, "mask": True, "operations": ["edit"]}}]
    local_connection.save()
    return local_connection


@pytest.fixture
def openai_conn(db):
    """An OpenAI connection whose base URL is a closed loopback port (set a fake's to call it)."""
    from providers.models import ProviderConnection
    from tests.fakes.openai import API_KEY

    conn = ProviderConnection(kind="openai", name="OpenAI team", base_url="http://127.0.0.1:9/v1")
    conn.set_api_key(API_KEY)
    conn.save()
    return conn


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """A real `manage.py qcluster` on the same file-backed test database.

    Yields the process. At the end its whole process group gets SIGTERM, as
    systemd sends it (tests/test_engine_sigterm.py shows what that does).
    """
    settings.STUDIO_TASKS_INLINE = False  # queue to the broker, as in production
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1",
           "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "qcluster.log", "wb")
    proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(0.5)
    assert proc.poll() is None, (tmp_path / "qcluster.log").read_text()
    yield proc
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):  # a test killed it already, or it hangs
        pass
    group_kill(proc.pid)
    log.close()




@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached filter choices and sessions must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield

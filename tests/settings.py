"""Test settings: a throwaway data dir, tasks inline unless a real worker is wanted."""
import os
import tempfile

# Always a fresh data dir (never the developer's ./var), which the real worker
# process of the end-to-end tests inherits through the environment.
if os.environ.get("STUDIO_TEST_WORKER") != "1":
    os.environ["STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="studio-test-")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from studio.settings import *  # noqa: E402,F401,F403
from studio.settings import DATA_DIR, DATABASES, Q_CLUSTER  # noqa: E402

# A file, not :memory:, so a real worker process can share the test database;
# on PostgreSQL (the second pass of `make test`) a name.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    TEST_DB = "test_" + DATABASES["default"]["NAME"]
else:
    TEST_DB = str(DATA_DIR / "test.sqlite3")
DATABASES["default"]["TEST"] = {"NAME": TEST_DB}
REAL_WORKER = os.environ.get("STUDIO_TEST_WORKER") == "1"
if REAL_WORKER:  # the qcluster subprocess of the end-to-end tests
    DATABASES["default"]["NAME"] = TEST_DB
# Unit and client tests run tasks inline; the end-to-end tests switch this off
# and start a real worker (tests/browser/conftest.py), which runs its jobs in
# its thread pool, as in production.
STUDIO_TASKS_INLINE = not REAL_WORKER
Q_CLUSTER = {**Q_CLUSTER, "poll": 0.05, "workers": 2}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Retries wait milliseconds, not seconds, in tests.
STUDIO_RETRY_BASE_SECONDS = 0.01
STUDIO_RETRY_MAX_SECONDS = 0.5
STUDIO_HEARTBEAT_SECONDS = 0.5
# One process's memory: tests clear it between them (conftest) without
# touching a Redis the broker shares.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _end_with_the_test_run() -> None:
    """A worker a test started ends when that test run does. A run stopped by
    SIGTERM or SIGKILL (a CI timeout) runs no fixture teardown, and its
    qcluster, in a session of its own, lived on for hours."""
    import signal
    import threading
    import time

    parent = int(os.environ.get("STUDIO_TEST_PARENT_PID") or 0)
    if parent != os.getppid():
        return  # not started by the test run itself (make run, a host of the cluster test)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        if os.getpgid(0) == os.getpid():  # the qcluster leads its own group: its workers go too
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(1)

    # In qcluster's main process only: its forked workers do not inherit the thread.
    threading.Thread(target=watch, name="test-run-watch", daemon=True).start()


if REAL_WORKER:
    _end_with_the_test_run()
else:
    os.environ["STUDIO_TEST_PARENT_PID"] = str(os.getpid())

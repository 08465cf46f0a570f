"""A qcluster started by a test run does not outlive it, even when the run is
killed before any fixture can stop it (tests/settings.py)."""
import os
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, group_kill, group_running

pytestmark = pytest.mark.django_db(transaction=True)

STAND_IN = """
import os, subprocess, sys, time
env = {**os.environ, "STUDIO_TEST_PARENT_PID": str(os.getpid())}
proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], env=env, start_new_session=True,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(proc.pid, flush=True)
time.sleep(120)
"""


def test_a_killed_test_run_takes_its_worker_and_the_workers_processes_with_it(settings):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1",
           "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    run = subprocess.Popen([sys.executable, "-c", STAND_IN], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    worker = int(run.stdout.readline())
    try:
        deadline = time.monotonic() + 20
        while len(group_running(worker)) < 3 and time.monotonic() < deadline:  # the cluster and its workers
            time.sleep(0.2)
        assert len(group_running(worker)) >= 3, "the qcluster did not start its processes"
        run.kill()  # as a CI timeout's SIGKILL: no teardown runs
        run.wait(5)
        deadline = time.monotonic() + 10
        while group_running(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_running(worker), "the worker outlived the test run that started it"
    finally:
        run.kill()
        group_kill(worker)

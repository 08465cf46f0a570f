"""SIGTERM to a worker's whole process group (systemd's default) stops it cleanly:
running calls get a grace period, the rest go back to the queue."""
import ctypes
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from gallery.models import Image
from providers.services import ModelChoice
from studio.jobs.stopping import _gone
from studio.models import AttemptOutcome, Job, JobStatus
from studio.services import job_create

from .conftest import ROOT, group_kill, group_running
from .test_job_lifecycle import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group_worker(transactional_db, settings, tmp_path):
    """A real qcluster with a 1.5 s drain grace; yields (process, log path)."""
    settings.STUDIO_TASKS_INLINE = False
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1",
           "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "STUDIO_DRAIN_SECONDS": "1.5"}
    log_path = tmp_path / "qcluster.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(0.5)
    assert proc.poll() is None, log_path.read_text()
    yield proc, log_path
    group_kill(proc.pid)
    proc.wait(5)
    log.close()


def group_alive(proc) -> bool:
    """Any process of the group still running (the main one reaped first)."""
    proc.poll()
    return bool(group_running(proc.pid))


def make(member, conn, delay):
    conn.options = {"delay_seconds": delay}
    conn.save()
    return job_create(owner=member, choice=ModelChoice(conn, conn.spec("placeholder")),
                      values={"prompt": "a kite", "n": 1, "width": 64, "height": 64})


def test_sigterm_to_the_group_requeues_a_call_that_outlasts_the_grace(member, local_connection, media_root,
                                                                      group_worker):
    proc, log_path = group_worker
    job = make(member, local_connection, delay=30)
    wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider", timeout=15)
    os.killpg(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    wait_for(lambda: not group_alive(proc), timeout=15)
    assert time.monotonic() - started < 10, log_path.read_text()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.phase == "Requeued: its worker was stopped", (
        job.status, job.phase, log_path.read_text()[-3000:].splitlines())
    assert job.run_token is None and job.enqueued_at is None  # the sweep of any worker sends it again
    assert job.attempt_set.get().outcome == AttemptOutcome.LOST


def test_sigterm_to_the_group_lets_a_short_call_finish(member, local_connection, media_root, group_worker):
    proc, log_path = group_worker
    # "Waiting for the provider" is written when the job is claimed with its
    # slot, a moment before the call (a fresh worker's first job also loads
    # the renderer's fonts): a 0.5 s call leaves room for that in a 1.5 s grace.
    job = make(member, local_connection, delay=0.5)
    wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider", timeout=15)
    os.killpg(proc.pid, signal.SIGTERM)
    wait_for(lambda: not group_alive(proc), timeout=15)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, (job.status, job.phase, log_path.read_text()[-3000:].splitlines())
    assert Image.objects.filter(job=job).count() == 1


def test_a_sigterm_taken_by_a_job_thread_still_stops_an_idle_worker(group_worker):
    """The kernel hands a process-wide signal to whichever thread it picks, and
    Python runs the handler only in the main thread, which in an idle worker
    waits for a task on a lock: a SIGTERM a job thread took left that worker
    running after the rest of its group had stopped (studio/jobs/stopping.py)."""
    proc, log_path = group_worker
    tgkill = getattr(ctypes.CDLL(None, use_errno=True), "tgkill", None)
    if tgkill is None:
        pytest.skip("this C library has no tgkill")

    def workers():
        return [int(pid) for pid in re.findall(r"ready for work at (\d+)", log_path.read_text())]

    wait_for(lambda: workers(), timeout=15)
    pid = workers()[0]
    wait_for(lambda: len(os.listdir(f"/proc/{pid}/task")) >= 3, timeout=10)  # its monitor and relay are up
    time.sleep(0.3)  # and its main thread waits for a task
    thread = next(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid)
    assert tgkill(pid, thread, signal.SIGTERM) == 0, ctypes.get_errno()
    wait_for(lambda: _gone(pid), timeout=10)

"""A job run inline (STUDIO_TASKS_INLINE: the tests, `bench/inline.py`) on a
connection whose call slots are all busy waits for one. It used to be parked,
where no worker would ever wake it, and a caller waiting for it (an API call
answered when its image is ready) timed out."""
import threading
import time

import pytest

from providers.services import ModelChoice
from studio.jobs.slots import slot_release
from studio.models import AttemptOutcome, Job, JobAttempt, JobStatus
from studio.services import job_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inline_job_on_a_full_connection_waits_for_a_slot_then_runs(member, local_connection, media_root):
    local_connection.max_concurrency = 1
    local_connection.save()
    choice = ModelChoice(local_connection, local_connection.spec("placeholder"))
    values = {"prompt": "a kite", "n": 1, "width": 64, "height": 64}
    earlier = job_create(owner=member, choice=choice, values=values)
    busy = JobAttempt.objects.create(job=earlier, number=9, connection=local_connection)  # the one slot, in use
    made = []
    thread = threading.Thread(target=lambda: made.append(job_create(owner=member, choice=choice, values=values)))
    thread.start()
    time.sleep(0.5)
    waiting = Job.objects.exclude(pk=earlier.pk).get()
    assert waiting.status == JobStatus.RUNNING and waiting.slot_wait_since is None, (waiting.status, waiting.phase)
    slot_release(busy, AttemptOutcome.SUCCEEDED)
    thread.join(timeout=20)
    assert not thread.is_alive()
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.SUCCEEDED and waiting.image_count == 1, (waiting.status, waiting.error_message)

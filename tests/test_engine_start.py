"""What the engine sets up by itself: the recovery schedule, and a clear word on unreadable tasks."""
import logging

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from studio.jobs.recovery import SCHEDULE_FUNC, SCHEDULE_NAME, schedule_ensure


@pytest.mark.django_db
def test_the_recovery_schedule_exists_once_after_migrate_and_is_corrected():
    call_command("migrate", verbosity=0)
    schedule_ensure()
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1
    Schedule.objects.filter(name=SCHEDULE_NAME).update(func="studio.tasks.recover_jobs", minutes=9)
    schedule_ensure()
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert (schedule.func, schedule.minutes) == (SCHEDULE_FUNC, 1)


def test_a_task_signed_with_another_secret_key_says_why(caplog):
    from django_q.signing import BadSignature, SignedPackage

    package = SignedPackage.dumps({"func": "x"})
    with caplog.at_level(logging.ERROR, logger="django-q"):
        try:
            SignedPackage.loads(package[:-3] + "abc")
        except BadSignature:
            logging.getLogger("django-q").exception("Failed to push task to queue")
    assert "signed with a different SECRET_KEY" in caplog.text
    assert "Every web and worker host must share the same SECRET_KEY" in caplog.text

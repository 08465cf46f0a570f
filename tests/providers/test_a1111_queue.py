"""A1111 is shared with people using its web UI: we cancel and watch only our own task."""
from __future__ import annotations

import threading
import time

import pytest

from providers.base import CancelledError, Hooks
from tests.fakes.base import Reply
from tests.providers.test_a1111 import fake, generate, txt2img_calls  # noqa: F401 (fake: fixture)


def run_in_thread(fn):
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def test_each_job_names_its_own_task(fake, client):
    generate(fake, client)
    generate(fake, client)
    first, second = (call.json["force_task_id"] for call in txt2img_calls(fake))
    assert first != second and fake.task_ids == [first, second]


def test_cancel_while_someone_elses_task_runs_leaves_it_alone(fake, client):
    fake.render_seconds = 0.2
    theirs = fake.occupy("task(web-ui-user)", seconds=3)
    shown = []
    asked = lambda: [r for r in fake.requests if r.path == "/internal/progress"]  # noqa: E731
    # Cancel after a few polls, while ours still waits behind theirs.
    hooks = Hooks(progress=shown.append, cancelled=lambda: len(asked()) >= 3)
    thread, box = run_in_thread(lambda: generate(fake, client, hooks=hooks))
    thread.join(5)
    assert isinstance(box.get("error"), CancelledError)
    assert not [r for r in fake.requests if r.path == "/sdapi/v1/interrupt"]
    assert fake.interrupted_tasks == [] and theirs.is_alive()  # their picture keeps rendering
    assert shown == []  # their progress is not shown as ours
    fake.interrupted.set()


def test_cancel_of_our_running_task_interrupts_it(fake, client):
    fake.render_seconds = 5
    seen = []
    hooks = Hooks(progress=seen.append, cancelled=lambda: len(seen) >= 1)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=hooks)
    assert time.monotonic() - started < 2
    (ours,) = fake.task_ids
    assert fake.interrupted_tasks == [ours]


def test_an_older_server_is_asked_which_task_runs(fake, client):
    # Without /internal/progress, /sdapi/v1/progress names the current task.
    fake.internal_progress = lambda req: Reply(404, {"detail": "Not Found"})
    fake.render_seconds = 0.3
    seen = []
    generate(fake, client, hooks=Hooks(progress=seen.append))
    assert seen and all(0 < f < 1 for f in seen)


def test_a_server_that_cannot_say_whose_task_runs_shows_no_progress_and_never_interrupts(fake, client):
    fake.internal_progress = lambda req: Reply(404, {"detail": "Not Found"})
    original = fake.progress

    def anonymous(req):  # an old build: no current_task field
        reply = original(req)
        reply.body.pop("current_task", None)
        return reply
    fake.progress = anonymous
    fake.render_seconds = 0.5
    seen, polls = [], []
    hooks = Hooks(progress=seen.append, cancelled=lambda: polls.append(1) or len(polls) > 5)
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=hooks)
    assert seen == [] and fake.interrupted_tasks == []

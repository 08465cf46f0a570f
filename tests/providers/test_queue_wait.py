"""The wait fal and Replicate share: hiccups ridden out, a stop or a timeout cancels upstream."""
import pytest

from providers.base import CancelledError, Hooks, ProviderError
from providers.queue_common import MAX_POLL_HICCUPS, queue_wait


def wait(answers, *, timeout=60.0, cancelled=lambda: False, seen=None):
    """Run queue_wait over ``answers`` (an exception is raised by that poll); return what it saw."""
    seen = {"polls": 0, "cancels": 0} if seen is None else seen
    answers = iter(answers)

    def fetch():
        seen["polls"] += 1
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def cancel():
        seen["cancels"] += 1

    hooks = Hooks(cancelled=cancelled, sleep=lambda s: None)
    result = queue_wait(fetch=fetch, done=lambda a: a == "done", hooks=hooks, interval=1.0,
                        timeout=timeout, cancel=cancel,
                        timed_out=lambda: ProviderError("too slow", permanent=False, code="timeout"))
    return result, seen


def passing():
    return ProviderError("busy", permanent=False, status=503)


def test_passing_failures_in_a_row_are_ridden_out_up_to_the_limit():
    result, seen = wait([passing()] * MAX_POLL_HICCUPS + ["running", "done"])
    assert result == "done" and seen["polls"] == MAX_POLL_HICCUPS + 2 and seen["cancels"] == 0


def test_one_passing_failure_too_many_is_raised():
    with pytest.raises(ProviderError, match="busy"):
        wait([passing()] * (MAX_POLL_HICCUPS + 1) + ["done"])


def test_a_good_answer_resets_the_count():
    result, _ = wait(([passing()] * MAX_POLL_HICCUPS + ["running"]) * 2 + ["done"])
    assert result == "done"


def test_a_permanent_failure_is_raised_at_once():
    with pytest.raises(ProviderError, match="gone"):
        wait([ProviderError("gone", permanent=True, status=404), "done"])


def test_a_stop_cancels_upstream_before_polling():
    seen = {"polls": 0, "cancels": 0}
    with pytest.raises(CancelledError):
        wait(["done"], cancelled=lambda: True, seen=seen)
    assert seen == {"polls": 0, "cancels": 1}


def test_running_past_the_timeout_cancels_upstream_and_raises_the_timeout_error():
    cancels = []

    def cancel():
        cancels.append(1)

    with pytest.raises(ProviderError, match="too slow") as caught:
        queue_wait(fetch=lambda: "running", done=lambda a: a == "done",
                   hooks=Hooks(cancelled=lambda: False, sleep=lambda s: None), interval=1.0,
                   timeout=-1.0, cancel=cancel,
                   timed_out=lambda: ProviderError("too slow", permanent=False, code="timeout"))
    assert caught.value.code == "timeout" and cancels == [1]

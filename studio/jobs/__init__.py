"""The job engine: how a queued job becomes images, and what happens when things fail.

Read in this order:
- ``enqueue``  the job row is the truth; its task is only a doorbell, re-sent
               by a sweep when it never reached the broker (or was lost);
- ``pool``     a worker takes a seat, then claims; the monitor thread beats,
               notices cancels, sweeps; SIGTERM drains;
- ``claim``    each claim has a run token, and only its holder writes the job;
- ``slots``    a connection's cap on calls in flight; a job with no slot is
               parked in the queue, not in a thread;
- ``run``      one job: its calls, then its images, fenced by the token;
- ``calls``    one provider call with retries, deadline and cancel;
- ``stash``    a paid result kept until its images are stored: a re-run resumes it;
- ``runs``     the cheap in-process stop flag every call checks;
- ``recovery`` what happens when a worker dies mid-call.
"""

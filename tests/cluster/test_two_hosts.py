"""Two worker hosts on one PostgreSQL, one Redis and one S3 bucket, through chaos.

40 jobs go through the web app (gunicorn) to a loopback provider that takes
3 s per image. Mid-burst one host's whole worker process group is SIGKILLed
(and restarted 3 s later, as systemd's Restart=always would); then Redis is stopped for 20 s
while people keep composing; then PostgreSQL is stopped for 4 s, just as running jobs get their images.

Afterwards: every job is terminal; none ran twice; none was billed twice;
no image was stored twice and no file is left without its row; and the jobs
composed while Redis was down were neither refused nor left queued.

Every check is made and reported together, so one run says everything that
is still wrong.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3
import pytest
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer

from tests.fakes.openai import API_KEY

from .harness import ROOT, CountingOpenAI, Process, WebClient, free_port, manage, query, services

LATENCY = 3.0
BUCKET = "cluster-media"
REDIS_DOWN_SECONDS = 20
PG_DOWN_SECONDS = 4
STALE_SECONDS = 10
# The recovery schedule runs every minute; a job lost with its worker is
# requeued once its heartbeat is STALE_SECONDS old. Nothing may need longer.
SETTLE_SECONDS = 240
TERMINAL = ("succeeded", "failed", "cancelled")

SETUP = """
import json, os
from django.contrib.auth import get_user_model
from providers.models import ProviderConnection
get_user_model().objects.create_user("cluster", password=os.environ["CLUSTER_PASSWORD"])
conn = ProviderConnection(kind="openai-compatible", name="Cluster fake", base_url=os.environ["CLUSTER_FAKE_URL"],
                          custom_models=json.loads(os.environ["CLUSTER_MODELS"]), max_concurrency=64,
                          options={"response_format": "b64_json"})
conn.set_api_key(os.environ["CLUSTER_API_KEY"])
conn.full_clean()
conn.save()
print(conn.pk)
"""


@pytest.fixture
def world(services_dir):
    # Not pytest's tmp_path: parallel runs rotate those away, and these logs are
    # what a failure is read from.
    tmp_path = Path(tempfile.mkdtemp(prefix="studio-cluster-"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    endpoint = "http://%s:%d" % moto.get_host_and_port()
    fake = CountingOpenAI(LATENCY).start()
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="cluster", aws_secret_access_key="cluster-secret")
    s3.create_bucket(Bucket=BUCKET)
    password = secrets.token_urlsafe(12)
    # What every host shares (docs/deploy.md): the same secret and encryption keys.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "STUDIO_TEST"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STUDIO_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "STUDIO_STORAGE_URL": f"s3://{BUCKET}?endpoint_url={endpoint}&region=us-east-1",
        "AWS_ACCESS_KEY_ID": "cluster", "AWS_SECRET_ACCESS_KEY": "cluster-secret",
        "STUDIO_STALE_SECONDS": str(STALE_SECONDS), "STUDIO_HEARTBEAT_SECONDS": "1",
        "STUDIO_WORKERS": "2", "LOG_LEVEL": "INFO", "ALLOWED_HOSTS": "127.0.0.1",
    })
    hosts = {}
    for name in ("host-a", "host-b"):
        (tmp_path / name).mkdir()
        hosts[name] = {**env, "STUDIO_DATA_DIR": str(tmp_path / name / "var")}
    manage(hosts["host-a"], "migrate", "--noinput", "-v", "0")
    models = [{"id": "cluster-model", "label": "Cluster model", "size": {"type": "list", "sizes": ["256x256"]},
               "max_n": 1, "latency_s": LATENCY}]
    conn_pk = manage({**hosts["host-a"], "CLUSTER_PASSWORD": password, "CLUSTER_FAKE_URL": fake.base_url,
                      "CLUSTER_MODELS": json.dumps(models), "CLUSTER_API_KEY": API_KEY},
                     "shell", "-c", SETUP).strip().splitlines()[-1]
    port = free_port()
    processes = {
        "web": Process("web", [sys.executable, "-m", "gunicorn", "studio.wsgi", "-b", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "8", "--chdir", str(ROOT)],
                       hosts["host-a"], tmp_path / "host-a", tmp_path),
        **{name: Process(name, [sys.executable, str(ROOT / "manage.py"), "qcluster"], hosts[name],
                         tmp_path / name, tmp_path) for name in hosts},
    }
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                web = WebClient(f"http://127.0.0.1:{port}", "cluster", password)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise AssertionError("the web server did not start:\n" + processes["web"].log_tail())
                time.sleep(0.5)
        yield {"web": web, "model": f"{conn_pk}:cluster-model", "fake": fake, "s3": s3,
               "db": os.environ["DATABASE_URL"], "processes": processes, "services": services_dir,
               "log_dir": tmp_path}
    finally:
        for process in processes.values():
            process.stop()
        fake.stop()
        moto.stop()


def test_two_hosts_survive_a_killed_worker_a_redis_outage_and_a_database_restart(world):
    web, model, procs = world["web"], world["model"], world["processes"]
    answers: dict[str, int] = {}

    def compose(prompt: str) -> None:
        answers[prompt] = web.compose(model, prompt)

    for i in range(20):  # the burst
        compose(f"cluster job {i:02d}")
    time.sleep(1.5)  # both hosts are now waiting on the provider
    procs["host-a"].kill_group()
    for i in range(20, 30):
        compose(f"cluster job {i:02d}")
    time.sleep(Process.RESTART_SECONDS + 2)  # host-a is back (its supervisor restarts it, as systemd would)

    services("redis-stop", world["services"])
    redis_down_at = time.monotonic()
    during_outage = [f"cluster job {i:02d}" for i in range(30, 35)]
    for prompt in during_outage:
        compose(prompt)
        time.sleep(REDIS_DOWN_SECONDS / len(during_outage))
    services("redis-start", world["services"])
    redis_back_at = time.monotonic()

    for i in range(35, 40):
        compose(f"cluster job {i:02d}")
    time.sleep(1.5)  # these are waiting on the provider…
    services("pg-stop", world["services"])
    time.sleep(PG_DOWN_SECONDS)  # …whose images arrive while the database is down
    services("pg-start", world["services"])

    # --- wait until every job is terminal (or the time is up) ---
    db = world["db"]
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        open_jobs = query(db, "SELECT count(*) FROM studio_job WHERE status NOT IN ('succeeded', 'failed', 'cancelled')")
        if open_jobs[0][0] == 0:
            break
        time.sleep(2)
    settled_at = time.monotonic()

    jobs = {prompt: (pk, status, finished) for pk, prompt, status, finished in query(
        db, "SELECT id, prompt, status, finished_at FROM studio_job")}
    images = query(db, "SELECT job_id, index, file, thumbnail FROM gallery_image")
    succeeded_attempts = Counter(job_id for (job_id,) in query(
        db, "SELECT job_id FROM studio_jobattempt WHERE outcome = 'succeeded'"))
    lost_jobs = {job_id for (job_id,) in query(db, "SELECT DISTINCT job_id FROM studio_jobattempt WHERE outcome = 'lost'")}
    # Calls whose worker died after the provider answered: their next run resumed from the stash.
    resumed = query(db, "SELECT count(*) FROM studio_job WHERE notes::text LIKE '%%the provider was not asked again%%'")[0][0]
    objects = {o["Key"] for o in world["s3"].list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    delivered = world["fake"].delivered

    problems = []
    refused = {p: code for p, code in answers.items() if code != 200}
    if refused:
        problems.append(f"compose did not answer 200 for {len(refused)} of {len(answers)}: {refused}")
    missing = [p for p in answers if p not in jobs]
    if missing:
        problems.append(f"{len(missing)} submissions have no job row: {missing}")
    not_terminal = {p: s for p, (_, s, _) in jobs.items() if s not in TERMINAL}
    if not_terminal:
        problems.append(f"{len(not_terminal)} jobs not terminal after {SETTLE_SECONDS} s: {not_terminal}")
    failed = {p: s for p, (_, s, _) in jobs.items() if s in ("failed", "cancelled")}
    if failed:
        problems.append(f"{len(failed)} jobs did not succeed: {failed}")
    twice = {job_id: n for job_id, n in succeeded_attempts.items() if n > 1}
    if twice:
        problems.append(f"jobs run twice: a provider call that succeeded was made again (job id: succeeded "
                        f"attempts) {twice}")
    billed_twice = {p: n for p, n in delivered.items() if n > 1 and p in jobs and jobs[p][0] not in lost_jobs}
    if billed_twice:
        problems.append("jobs the provider delivered (and billed) more than once, though no call of theirs was "
                        f"lost in flight: {billed_twice}")
    per_job = Counter((job_id, index) for job_id, index, _, _ in images)
    if any(n > 1 for n in per_job.values()):
        problems.append(f"images stored twice: {[k for k, n in per_job.items() if n > 1]}")
    referenced = {name for _, _, f, t in images for name in (f, t)}
    orphans = objects - referenced
    if orphans:
        problems.append(f"{len(orphans)} files in the bucket without an image row: {sorted(orphans)[:6]}")
    lost_files = referenced - objects
    if lost_files:
        problems.append(f"{len(lost_files)} image rows whose file is missing from the bucket")
    stuck = [p for p in during_outage if p in jobs and jobs[p][1] not in TERMINAL]
    if stuck:
        problems.append(f"jobs composed while Redis was down still not done {settled_at - redis_back_at:.0f} s "
                        f"after it came back: {stuck}")

    print(f"\n{len(jobs)} jobs: {Counter(s for _, s, _ in jobs.values())}; {len(images)} images, "
          f"{len(objects)} objects; lost attempts on {len(lost_jobs)} jobs; settled "
          f"{settled_at - redis_down_at:.0f} s after Redis was stopped; provider deliveries "
          f"{sum(delivered.values())}; jobs resumed from a stash {resumed}; restarts: { {n: p.restarts for n, p in procs.items()} }")
    if problems:
        logs = f"Logs of the web server and both hosts: {world['log_dir']}"
        pytest.fail("\n".join(["The two-host run found:", *("- " + p for p in problems), logs]), pytrace=False)

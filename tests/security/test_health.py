"""/healthz for load balancers, and worker heartbeats for staff."""
import json
import socket
from datetime import timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from django.utils import timezone

from studio import health
from studio.models import WorkerHeartbeat


def test_healthz_answers_without_a_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok",
                                            "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_a_failing_part_answers_503_and_names_the_part_only(client, db, monkeypatch):
    def broken():
        raise RuntimeError("could not connect to postgres://studio:hunter2@db.internal/studio")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"status": "error", "checks": {"database": "error", "broker": "ok", "storage": "ok"}}
    assert b"hunter2" not in response.content and b"db.internal" not in response.content


def test_an_unreachable_redis_broker_is_reported(client, db, monkeypatch):
    from django_q.brokers.redis_broker import Redis

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    broker = Redis.__new__(Redis)
    broker.connection = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1,
                                    retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr("django_q.brokers.get_broker", lambda: broker)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"] == "error"


def test_unreachable_storage_is_reported(client, db, monkeypatch):
    from django.core.files.storage import default_storage

    def refuse(name):
        raise OSError("endpoint https://s3.internal unreachable")

    monkeypatch.setattr(default_storage, "exists", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"] == "error"
    assert b"s3.internal" not in response.content


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_each_worker_process_keeps_one_row_with_its_running_jobs(db):
    health.worker_beat(host="render-1", pid=41, running={7, 3})
    health.worker_beat(host="render-1", pid=41, running=[3])
    health.worker_beat(host="render-2", pid=41, running=[])
    rows = {(b.host, b.pid): b.running for b in WorkerHeartbeat.objects.all()}
    assert rows == {("render-1", 41): [3], ("render-2", 41): []}


def test_a_new_process_forgets_processes_gone_for_a_day(db):
    health.worker_beat(host="old", pid=1, running=[])
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(days=2))
    health.worker_beat(host="new", pid=2, running=[])
    assert list(WorkerHeartbeat.objects.values_list("host", flat=True)) == ["new"]


def test_the_pool_beat_never_raises(db, monkeypatch, caplog):
    def locked(**kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(health, "worker_beat", locked)
    health.worker_beat_from_pool(pid=5, running=[1])
    assert "Worker heartbeat write failed" in caplog.text


def test_staff_see_hosts_last_beat_and_running_jobs_in_the_admin(client, staff, member, settings):
    settings.STUDIO_STALE_SECONDS = 60
    health.worker_beat(host="render-1", pid=41, running=[12, 13])
    health.worker_beat(host="render-2", pid=7, running=[])
    WorkerHeartbeat.objects.filter(host="render-2").update(beat_at=timezone.now() - timedelta(minutes=5))
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    html = client.get("/admin/studio/workerheartbeat/").content.decode()
    row1 = html.split("render-1", 1)[1].split("</tr>", 1)[0]
    row2 = html.split("render-2", 1)[1].split("</tr>", 1)[0]
    assert "Alive" in row1 and "12, 13" in row1
    assert "Silent" in row2
    client.force_login(member)
    assert client.get("/admin/studio/workerheartbeat/").status_code == 302

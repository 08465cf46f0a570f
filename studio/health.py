"""Is this host able to serve? ``/healthz`` for load balancers and process
supervisors, and the heartbeat each worker process writes for staff to see.

``/healthz`` needs no login and says nothing secret: only which parts answered,
never an error's text (a database error can carry a host name or a user).
"""
from __future__ import annotations

import logging
import socket
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import WorkerHeartbeat

log = logging.getLogger(__name__)

# A worker row not updated for this long belongs to a process that is gone.
HEARTBEAT_FORGET_AFTER = timedelta(days=1)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from django_q.brokers import get_broker

    # The ORM broker's ping is always True: it lives in the database checked above.
    if get_broker().ping() is False:
        raise ConnectionError("broker did not answer")


def _storage() -> None:
    default_storage.exists("healthz")  # a HEAD on object storage, a stat on disk


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}


def health_check() -> dict[str, str]:
    """Each part's state: "ok", or "error" (the reason goes to the log, not the answer)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            log.warning("Health check %s failed", name, exc_info=True)
            results[name] = "error"
    return results


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = health_check()
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)


# --- worker heartbeats ------------------------------------------------------------

def worker_beat(*, host: str, pid: int, running: list[int] | set[int]) -> None:
    """Record that worker process ``pid`` on ``host`` is alive and running ``running`` jobs."""
    now = timezone.now()
    _, created = WorkerHeartbeat.objects.update_or_create(
        host=host[:255], pid=pid,
        defaults={"beat_at": now, "running": sorted(running)[:200]},
        create_defaults={"beat_at": now, "started_at": now, "running": sorted(running)[:200]})
    if created:  # once per process: forget processes long gone
        WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEAT_FORGET_AFTER).delete()


def worker_beat_from_pool(*, pid: int, running: list[int]) -> None:
    """``worker_beat`` for the pool's heartbeat thread: a failed write is logged, never fatal."""
    try:
        worker_beat(host=socket.gethostname(), pid=pid, running=running)
    except Exception:  # a locked or restarting database must not stop the heartbeat
        log.warning("Worker heartbeat write failed", exc_info=True)
    finally:
        connection.close()  # the thread sleeps between beats: hold no connection meanwhile


def worker_is_alive(beat: WorkerHeartbeat, *, now=None) -> bool:
    """Alive while it beats: silent for the stale time, its jobs are recovered elsewhere."""
    now = now or timezone.now()
    return beat.beat_at >= now - timedelta(seconds=settings.STUDIO_STALE_SECONDS)

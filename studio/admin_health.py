"""Worker heartbeats in the admin: which hosts work, when each last beat, what it runs."""
from django.contrib import admin
from django.utils import timezone

from .health import worker_is_alive
from .models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["host", "pid", "state", "beat_at", "started_at", "running_count", "running_jobs"]
    list_filter = ["host"]
    readonly_fields = ["host", "pid", "started_at", "beat_at", "running"]

    @admin.display(description="State")
    def state(self, obj):
        return "Alive" if worker_is_alive(obj, now=timezone.now()) else "Silent"

    @admin.display(description="Running jobs")
    def running_count(self, obj):
        return len(obj.running or [])

    @admin.display(description="Job ids")
    def running_jobs(self, obj):
        ids = obj.running or []
        return ", ".join(str(pk) for pk in ids[:20]) + (" …" if len(ids) > 20 else "")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

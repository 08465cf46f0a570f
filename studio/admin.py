from django.contrib import admin

from .models import Job, JobAttempt


class JobAttemptInline(admin.TabularInline):
    model = JobAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "http_status", "request_id", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "model_label", "connection_name", "status", "attempts", "cost",
                    "created_at", "finished_at"]
    list_filter = ["status", "connection_name"]
    search_fields = ["prompt", "owner__username"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobAttemptInline]

    def has_add_permission(self, request):
        return False


from . import admin_budgets  # noqa: E402,F401
from . import admin_health  # noqa: E402,F401

from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "model_label", "connection_name", "status", "created_at", "finished_at"]
    list_filter = ["status", "connection_name"]
    search_fields = ["prompt", "owner__username"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


from . import admin_budgets  # noqa: E402,F401

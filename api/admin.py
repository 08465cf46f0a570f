"""Staff see and revoke everyone's tokens, with when and from where each was last used."""
from django.contrib import admin, messages

from .models import ApiToken
from .tokens import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "state", "expires_at", "last_used_at", "last_used_ip",
                    "rate_per_minute", "max_in_flight")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "last_used_ip", "revoked_at")
    fields = ("user", "name", "prefix", "allowed_models", "expires_at", "rate_per_minute", "max_in_flight",
              "created_at", "last_used_at", "last_used_ip", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a token is made by its person (profile page) or by token_create

    # Every staff member may see and revoke tokens: that is the brief of staff
    # here, not a permission to hand out one by one.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.display(description="State")
    def state(self, token):
        return token.state

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token)
        messages.success(request, f"Revoked {queryset.count()} token(s).")

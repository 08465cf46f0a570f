from django.contrib import admin

from .models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "model_label", "width", "height", "format", "created_at"]
    list_filter = ["format", "model_label"]
    search_fields = ["prompt", "owner__username"]
    readonly_fields = [f.name for f in Image._meta.fields]

    def has_add_permission(self, request):
        return False

from django.contrib import admin

from .models import Image, PromptTemplate, SavedPrompt


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "model_label", "visibility", "width", "height", "format", "created_at"]
    list_filter = ["visibility", "format", "provider_kind"]
    search_fields = ["prompt", "owner__username"]
    readonly_fields = [f.name for f in Image._meta.fields if f.name != "visibility"]

    def has_add_permission(self, request):
        return False


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "author", "use_count", "updated_at"]
    search_fields = ["name", "text"]
    readonly_fields = ["use_count", "created_at", "updated_at"]


@admin.register(SavedPrompt)
class SavedPromptAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "updated_at"]
    search_fields = ["name", "owner__username"]

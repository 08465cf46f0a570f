from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Generation"

    def ready(self):
        from . import checks  # noqa: F401  (registers the start-up checks)

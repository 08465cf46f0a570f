from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers"

    def ready(self):
        from .catalog import catalog_errors
        from .discovery import refresh_schedule_ensure

        # A broken shipped catalog file must stop the studio here, naming the
        # entry and field, rather than leave every picker quietly empty.
        errors = catalog_errors()
        if errors:
            raise ImproperlyConfigured("The model catalog is broken: " + " | ".join(errors))
        post_migrate.connect(refresh_schedule_ensure, sender=self,
                             dispatch_uid="providers.refresh_schedule")

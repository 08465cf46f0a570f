from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Generation"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django_q.signals import post_spawn

        from . import checks  # noqa: F401  (registers the start-up checks)
        from .jobs import logs
        from .jobs.recovery import schedule_ensure
        from .jobs.stopping import cluster_patch, worker_started

        # The recovery schedule is made in code, idempotently: after every
        # migrate (each deploy) and when each worker starts.
        post_migrate.connect(schedule_ensure, sender=self, dispatch_uid="studio-schedule")
        post_spawn.connect(worker_started, dispatch_uid="studio-worker-started")
        cluster_patch()
        logs.install()

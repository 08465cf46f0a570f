"""Jobs: one generation request and its lifecycle. Our rows are the source of
truth for job state, never django-q's Task table (it prunes successes)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    connection = models.ForeignKey("providers.ProviderConnection", on_delete=models.SET_NULL,
                                   null=True, related_name="jobs")
    # Snapshots, so a job still reads right after staff rename or delete things.
    connection_name = models.CharField(max_length=100)
    model_id = models.CharField(max_length=200)
    model_label = models.CharField(max_length=200)
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    # Every other parameter as chosen: width/height or size or aspect_ratio, n,
    # steps, guidance, extras… (the model's rules decide which are present).
    params = models.JSONField(default=dict)
    seed = models.BigIntegerField(null=True, blank=True, help_text="The seed actually used.")
    # The upload an image-to-image model transforms (kept private, like results).
    input_image = models.FileField(upload_to="inputs/%Y/%m", blank=True, max_length=300)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    progress = models.FloatField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.model_label}, {self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("job-card", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def elapsed(self):
        """Time since it started (or was queued), up to when it finished."""
        start = self.started_at or self.created_at
        end = self.finished_at or timezone.now()
        return max(end - start, timezone.timedelta(0))

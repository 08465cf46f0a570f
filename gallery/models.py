"""Stored images. Files live in Django's default storage and are only ever
served through gallery.views, which checks access: never a provider URL."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


def original_path(image: "Image", filename: str) -> str:
    return f"images/{image.created_at:%Y/%m}/{filename}"


def thumbnail_path(image: "Image", filename: str) -> str:
    return f"thumbs/{image.created_at:%Y/%m}/{filename}"


class Image(models.Model):
    job = models.ForeignKey("studio.Job", on_delete=models.SET_NULL, null=True, related_name="images")
    index = models.PositiveSmallIntegerField(default=0, help_text="Position within its job.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=original_path, max_length=300)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=10)
    bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # What made it, copied from the job so the image stands on its own.
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    model_id = models.CharField(max_length=200)
    model_label = models.CharField(max_length=200)
    connection_name = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    seed = models.BigIntegerField(null=True, blank=True)
    revised_prompt = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At-least-once task delivery must never store an image twice.
            models.UniqueConstraint(fields=["job", "index"], name="unique_image_per_job_index"),
        ]

    def __str__(self) -> str:
        return f"Image {self.pk}: {self.prompt[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("image-detail", args=[self.pk])

    @property
    def original_url(self) -> str:
        return reverse("image-file", args=[self.pk, "original"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("image-file", args=[self.pk, "thumbnail"])

"""Jobs: one generation request and its lifecycle. Our rows are the source of
truth for job state, never django-q's Task table (it prunes successes)."""
from __future__ import annotations

import calendar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from studio.fields import SeedField


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    MCP = "mcp", "MCP"


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
    seed = SeedField(null=True, blank=True, help_text="The seed actually used.")
    # The upload an image-to-image model transforms (kept private, like results).
    input_image = models.FileField(upload_to="inputs/%Y/%m", blank=True, max_length=300)
    # Its size, for STUDIO_INPUT_QUOTA_MB (None: stored before sizes were recorded).
    input_image_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # generate, or an editing operation (edit, reference, inpaint, upscale…):
    # see providers.image_inputs. Its images are the job's ``inputs``.
    operation = models.CharField(max_length=24, default="generate")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    # What it is doing inside "running", in words: "Waiting for the provider",
    # "Downloading", "Retrying in 4 s (rate limited)".
    phase = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # Things the studio changed or dropped for this model, shown on the card
    # ("Steps dropped: FLUX1.1 [pro] does not take them").
    notes = models.JSONField(default=list, blank=True)
    # Jobs made by one compare (or one Retry) share a group.
    group = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the process running it; a running job whose
    # heartbeat stops was lost with its worker (see studio/jobs/recovery.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # A new token for every claim: only the runner holding the current one may
    # write the job, so a runner judged dead that wakes up writes nothing.
    run_token = models.UUIDField(null=True, blank=True, editable=False)
    # When its task reached the broker; null means it never did (broker down)
    # or it was consumed without a claim (waiting for a slot): the sweep re-sends it.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Queued because its connection had no free slot, since then (no thread waits).
    slot_wait_since = models.DateTimeField(null=True, blank=True)
    # The wall-clock end of this run (claim + STUDIO_JOB_TIMEOUT).
    deadline_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expected_seconds = models.FloatField(null=True, blank=True,
                                         help_text="The model's typical latency, for an ETA.")
    # Usage, recorded once when it succeeds.
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    image_count = models.PositiveSmallIntegerField(default=0)
    usage = models.JSONField(default=dict, blank=True)
    # At most $999,999.999999: costs.py refuses any figure above COST_MAX before
    # it gets here (a provider's 1e30 once made every page fail to read it back).
    cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    # The cost expected when it was queued (None: no price known). While the job
    # is queued or running this is what it holds of its owner's budget.
    estimate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    cost_source = models.CharField(max_length=16, blank=True,
                                   help_text="provider (its own figure) or catalog (our price list)")
    # Where it was asked for, and with which personal token (the name is kept
    # for usage after the token is deleted). See api/.
    source = models.CharField(max_length=8, choices=JobSource.choices, default=JobSource.WEB, db_index=True)
    api_token = models.ForeignKey("api.ApiToken", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="jobs")
    api_token_name = models.CharField(max_length=100, blank=True)
    # Who sees its images; blank: the owner's default (an API call may choose).
    visibility = models.CharField(max_length=8, blank=True)
    # A board its images join when stored (an API or MCP call may name one).
    board = models.ForeignKey("gallery.Board", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"]),
                   models.Index(fields=["status", "heartbeat_at"]),
                   models.Index(fields=["status", "enqueued_at"], name="studio_job_status_enq_idx")]
        constraints = [models.CheckConstraint(
            condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0, cost__lt=1_000_000),
            name="job_cost_in_range")]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.model_label}, {self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("job-card", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def eta_fraction(self) -> float | None:
        """Progress to show when the provider reports none: elapsed time against the ETA."""
        if self.progress is not None:
            return self.progress
        if not self.expected_seconds or not self.started_at:
            return None
        return min(0.95, self.elapsed.total_seconds() / self.expected_seconds)

    # The card's numbers, formatted here rather than by template filters: a
    # running card is drawn on every poll that finds it changed, and the date
    # and floatformat filters were a third of its drawing.
    @property
    def started_epoch(self) -> str:
        """When the clock starts, as Unix seconds with microseconds (for the browser's ticking clock)."""
        start = self.started_at or self.created_at
        return f"{calendar.timegm(start.utctimetuple())}.{start.microsecond:06d}"

    @property
    def elapsed_text(self) -> str:
        return f"{self.elapsed.total_seconds():.1f}"

    @property
    def eta_text(self) -> str:
        fraction = self.eta_fraction
        return "" if fraction is None else f"{fraction:.3f}"

    @property
    def expected_text(self) -> str:
        return f"{self.expected_seconds:.3f}" if self.expected_seconds else ""

    @property
    def elapsed(self):
        """Time since it started (or was queued), up to when it finished."""
        start = self.started_at or self.created_at
        end = self.finished_at or timezone.now()
        return max(end - start, timezone.timedelta(0))


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    RETRYABLE = "retryable", "Failed, worth retrying"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    LOST = "lost", "Lost with its worker"


class JobAttempt(models.Model):
    """One call to the provider for a job (a job may need several)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attempt_set")
    number = models.PositiveSmallIntegerField()
    connection = models.ForeignKey("providers.ProviderConnection", on_delete=models.SET_NULL, null=True,
                                   related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Where a succeeded call's results wait in the default storage until its
    # images are stored, so a re-run resumes instead of paying again (studio/jobs/stash.py).
    stash = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["job", "number"]
        indexes = [models.Index(fields=["connection", "outcome"])]

    def __str__(self) -> str:
        return f"Attempt {self.number} of job {self.job_id}: {self.get_outcome_display()}"


class Budget(models.Model):
    """A person's monthly limits, set by staff. Blank means no limit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget")
    monthly_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                       help_text="US dollars per calendar month.")
    monthly_images = models.PositiveIntegerField(null=True, blank=True,
                                                 help_text="Images per calendar month.")

    def __str__(self) -> str:
        return f"Budget of {self.user}"


class WorkerHeartbeat(models.Model):
    """One worker process (host + pid) and when it last said it was alive.

    Written by the job pool's heartbeat thread (``studio.health.worker_beat``);
    staff read it in the admin to see which hosts work and what they run.
    """

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    running = models.JSONField(default=list, blank=True, help_text="Ids of the jobs it runs.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "pid"], name="worker_heartbeat_host_pid")]
        ordering = ["host", "pid"]

    def __str__(self):
        return f"{self.host} (pid {self.pid})"


class InputRole(models.TextChoices):
    IMAGE = "image", "Input image"  # the image an edit changes (a mask applies to the first)
    REFERENCE = "reference", "Reference"
    MASK = "mask", "Mask"


class JobInput(models.Model):
    """An image a job sends to its provider: a copy kept privately with the job
    (default storage, never a local path), so deleting the gallery image it
    came from neither breaks a retry nor exposes anything."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="inputs")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=InputRole.choices)
    # Indexed: the input quota counts a file shared by retries once, by its name.
    file = models.FileField(upload_to="inputs/%Y/%m", max_length=300, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # The file's size, for STUDIO_INPUT_QUOTA_MB (None: stored before sizes were recorded).
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # The gallery image it was copied from (None: an upload, or since deleted).
    source = models.ForeignKey("gallery.Image", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="used_as_input")
    source_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_job_input_position")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.position} of job {self.job_id}"

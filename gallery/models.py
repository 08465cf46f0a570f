"""Stored images. Files live in Django's default storage and are only ever
served through gallery.views, which checks access: never a provider URL."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from studio.links import id_url

from studio.fields import SeedField


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    TEAM = "team", "Team"


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
    seed = SeedField(null=True, blank=True)
    revised_prompt = models.TextField(blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM)
    # Copied from the job so the gallery can filter without a join.
    provider_kind = models.CharField(max_length=32, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Each gallery view walks one of these newest first and stops after a
        # page; "-id" breaks created_at ties in the index, not in a temp B-tree.
        indexes = [models.Index(fields=["-created_at", "-id"], name="image_newest_first"),
                   models.Index(fields=["visibility", "-created_at", "-id"], name="image_visibility_newest"),
                   models.Index(fields=["owner", "-created_at", "-id"], name="image_owner_newest")]
        constraints = [
            # At-least-once task delivery must never store an image twice.
            models.UniqueConstraint(fields=["job", "index"], name="unique_image_per_job_index"),
        ]

    def __str__(self) -> str:
        return f"Image {self.pk}: {self.prompt[:40]}"

    def get_absolute_url(self) -> str:
        return id_url("image-detail", self.pk)

    @property
    def favourite_url(self) -> str:
        return id_url("image-favourite", self.pk)

    # A tile's dates, formatted here: the date filter, twice on each of a
    # page's 48 tiles, was the largest part of drawing them.
    @property
    def created_iso(self) -> str:
        return timezone.localtime(self.created_at).isoformat()

    @property
    def created_day(self) -> str:
        day = timezone.localtime(self.created_at)
        return f"{day.day} {MONTHS_3[day.month].title()} {day.year}"

    @property
    def original_url(self) -> str:
        return reverse("image-file", args=[self.pk, "original"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("image-file", args=[self.pk, "thumbnail"])


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "image"], name="unique_favourite")]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.image_id}"


class Theme(models.TextChoices):
    AUTO = "auto", "Automatic"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Profile(models.Model):
    """A person's preferences; made on first use (``profile_for``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, blank=True)
    default_visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM,
                                          help_text="Who sees the images you make from now on.")
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.AUTO, editable=False,
                             help_text="Automatic follows your device's light or dark setting.")
    # The compose form as last submitted (model key and its parameters), to start from next time.
    last_params = models.JSONField(default=dict, blank=True, editable=False)

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class SavedPrompt(models.Model):
    """A person's own named prompt with its parameters; private to them."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_prompts")
    name = models.CharField(max_length=100)
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    # The compose form's fields (model key, width, height, steps…), as typed.
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_saved_prompt_name")]

    def __str__(self) -> str:
        return self.name


class PromptTemplate(models.Model):
    """A team template such as "product photo of {product} on {surface}, {lighting}"."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="prompt_templates")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    text = models.TextField(help_text="Write variables in braces: {product}.")
    negative_prompt = models.TextField(blank=True)
    # [{"name": "product", "default": "a sneaker", "choices": ["a sneaker", "a watch"]}, …]
    variables = models.JSONField(default=list, blank=True)
    # The compose form's model key and parameters to start from, as typed there ({} = the person's own).
    params = models.JSONField(default=dict, blank=True)
    use_count = models.PositiveIntegerField(default=0, help_text="Generations made from it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    """A named collection of images: private to its owner, or shared with the team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=100)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE)
    images = models.ManyToManyField(Image, through="BoardImage", related_name="boards")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_board_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("board-detail", args=[self.pk])


class BoardImage(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="entries")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="board_entries")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["board", "image"], name="unique_board_image")]

    def __str__(self) -> str:
        return f"{self.board_id} ∋ {self.image_id}"


class ImageParent(models.Model):
    """One image another was made from (lineage): its input, a reference or a mask's image.

    ``parent`` becomes null when that image is deleted; ``parent_label`` keeps
    the chain readable ("deleted image: a red fox…")."""

    child = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="child_links")
    parent_label = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=16)  # image (edited) or reference
    operation = models.CharField(max_length=24)  # what made the child: edit, upscale…
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["child", "position"]
        indexes = [models.Index(fields=["parent"])]

    def __str__(self) -> str:
        return f"{self.child_id} ← {self.parent_id or 'deleted'} ({self.operation})"

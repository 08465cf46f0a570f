"""Compare: one prompt and seed on several models side by side."""
from __future__ import annotations

import random
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from providers.rules import SEED_MAX
from providers.services import ModelChoice, model_choices

from gallery.selectors import visible_images

from .budgets import BudgetExceeded
from .compare import compare_create, grid_rows
from .models import Job
from studio.numbers import is_ascii_number

MIN_MODELS, MAX_MODELS = 2, 8
MODELS_RULE = f"Choose between {MIN_MODELS} and {MAX_MODELS} models"


def _number(label: str, *, required: bool = False, minimum=None, maximum=None, step=None, **kwargs):
    attrs = {k: v for k, v in (("min", minimum), ("max", maximum), ("step", step)) if v is not None}
    field = forms.FloatField if step == "any" else forms.IntegerField
    return field(label=label, required=required, min_value=minimum, max_value=maximum,
                 widget=forms.NumberInput(attrs=attrs), **kwargs)


class CompareForm(forms.Form):
    prompt = forms.CharField(label="Prompt", widget=forms.Textarea(attrs={"rows": 4}), strip=True,
                             error_messages={"required": "Prompt is required"})
    negative_prompt = forms.CharField(label="Negative prompt", required=False, strip=True,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="Dropped for models that do not take one.")
    seed = _number("Seed", minimum=0, maximum=SEED_MAX,
                   help_text="Blank picks one random seed, shared by every model.")
    width = _number("Width", required=True, minimum=64, maximum=4096, initial=1024,
                    help_text="Each model gets the nearest size it allows.")
    height = _number("Height", required=True, minimum=64, maximum=4096, initial=1024)
    steps = _number("Steps", minimum=1, maximum=500, help_text="Optional; clamped to each model's range.")
    guidance = _number("Guidance", minimum=0, maximum=100, step="any",
                       help_text="Optional; clamped to each model's range.")
    models = forms.MultipleChoiceField(label="Models", widget=forms.CheckboxSelectMultiple,
                                       help_text=f"{MODELS_RULE}.", error_messages={
                                           "required": MODELS_RULE,
                                           "invalid_choice": "Choose only models that are available."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Image-to-image models need an upload a compare does not offer.
        self.choices: dict[str, ModelChoice] = {c.key: c for c in model_choices()
                                                if not c.spec.needs_image}
        self.fields["models"].choices = [(key, c.label) for key, c in self.choices.items()]

    def clean_models(self) -> list[ModelChoice]:
        keys = self.cleaned_data["models"]
        if not MIN_MODELS <= len(keys) <= MAX_MODELS:
            raise ValidationError(MODELS_RULE, code="model_count")
        return [self.choices[key] for key in keys]

    def wanted(self) -> dict:
        """The values asked of every model; a blank seed becomes one shared random seed."""
        wanted = {k: v for k, v in self.cleaned_data.items() if k != "models"}
        if wanted.get("seed") is None:
            wanted["seed"] = random.randrange(SEED_MAX + 1)
        return wanted


@require_http_methods(["GET", "POST"])
def compare(request):
    if request.method == "POST":
        form = CompareForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["models"]
            try:
                group = compare_create(owner=request.user, choices=chosen, wanted=form.wanted())
            except BudgetExceeded as exc:
                form.add_error(None, ValidationError(str(exc), code="budget"))
            else:
                url = reverse("compare-result", args=[group])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if request.htmx:
            return render(request, "studio/compare.html#compare-form", {"form": form})
    else:
        form = CompareForm(initial=_initial_from_compose(request.GET))
    return render(request, "studio/compare.html", {"form": form, "recent": _groups(request.user)[:5]})


def _initial_from_compose(query) -> dict | None:
    """The compose form's values ("Compare models") as this form's starting point."""
    if not query:
        return None
    initial = {k: query[k] for k in ("prompt", "negative_prompt", "seed", "width", "height", "steps", "guidance")
               if query.get(k)}
    width, found, height = (query.get("size") or "").partition("x")
    if found and is_ascii_number(width) and is_ascii_number(height):
        initial.update(width=width, height=height)
    if query.get("model"):
        initial["models"] = query.getlist("model")
    return initial


@require_GET
def compare_result(request, group: uuid.UUID):
    """Any member may open a compare's link; each sees only the images they may see."""
    images = Prefetch("images", queryset=visible_images(request.user).order_by("index"))
    jobs = list(Job.objects.filter(group=group).prefetch_related(images).order_by("created_at", "id"))
    if not jobs:
        raise Http404("No such compare")
    return render(request, "studio/compare_result.html", {
        "jobs": jobs, "group": group, "is_owner": jobs[0].owner_id == request.user.pk, "grid": grid_rows(jobs),
        "ab_images": [image for job in jobs for image in job.images.all()]})


def _groups(user):
    """One row per compare of ``user``'s, newest first: its group, prompt, model count and start."""
    return (Job.objects.filter(owner=user, group__isnull=False).values("group")
            .annotate(started=Min("created_at"), prompt=Max("prompt"), models=Count("id"))
            .order_by("-started"))


@require_GET
def compare_history(request):
    page = Paginator(_groups(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "studio/compare_history.html", {"page": page})

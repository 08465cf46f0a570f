"""Compose page, the model-dependent parameter fields, and job cards (HTMX)."""
from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from .forms import GenerateForm
from .models import Job
from .services import job_create

RECENT_JOBS = 20


def _visible_jobs(user):
    jobs = Job.objects.prefetch_related("images")
    return jobs if user.is_staff else jobs.filter(owner=user)


def _get_job_for_user(request, pk: int) -> Job:
    return get_object_or_404(_visible_jobs(request.user), pk=pk)


@require_http_methods(["GET", "POST"])
def compose(request):
    if request.method == "POST":
        form = GenerateForm(request.POST, request.FILES)
        if form.is_valid():
            with transaction.atomic():
                job = job_create(owner=request.user, choice=form.choice, values=form.values)
            if not request.htmx:
                return redirect("compose")
            # Keep what was typed: people iterate on a prompt.
            form = GenerateForm(initial=request.POST.dict())
            return render(request, "studio/compose.html#submitted", {"form": form, "job": job})
        if request.htmx:
            return render(request, "studio/compose.html#compose-form", {"form": form})
    else:
        form = GenerateForm(initial=request.GET.dict() or None)
    jobs = Job.objects.filter(owner=request.user).prefetch_related("images")[:RECENT_JOBS]
    return render(request, "studio/compose.html", {"form": form, "jobs": jobs})


@require_GET
def compose_fields(request):
    """The parameter fields for the model chosen in the form (htmx swap)."""
    form = GenerateForm(initial=_values_that_fit(request.GET.dict()))
    return render(request, "studio/compose.html#param-fields", {"form": form})


def _values_that_fit(values: dict) -> dict:
    """Keep the typed values the newly chosen model accepts; the rest reset to its defaults."""
    form = GenerateForm(values)
    form.is_valid()
    keep = {k: v for k, v in values.items() if k not in form.errors}
    for name in ("width", "height"):  # a size the model refuses falls back as a pair
        if name in form.errors:
            keep.pop("width", None), keep.pop("height", None)
    return keep


@require_GET
def job_card(request, pk: int):
    job = _get_job_for_user(request, pk)
    context = {"job": job}
    if job.is_finished and request.htmx:
        return HttpResponseStopPolling(
            render(request, "studio/compose.html#job-card", context).content)
    return render(request, "studio/compose.html#job-card", context)

"""Compose page, the model-dependent parameter fields, and job cards (HTMX)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.http import Http404
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from gallery.preferences import profile_last_params, profile_params_remember
from gallery.prompts import template_count_generation
from providers.base import ProviderError

from .forms import GenerateForm
from .models import Job
from .poll import card_job, job_card_mark
from .budgets import BudgetExceeded
from .edits import EditRefused
from .services import job_cancel as job_cancel_service
from .services import job_create
from .services import job_retry as job_retry_service

RECENT_JOBS = 20
HISTORY_PAGE = 30


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
            try:
                job = job_create(owner=request.user, choice=form.choice, values=form.values,
                                 notes=form.notes)
            except (BudgetExceeded, EditRefused) as exc:
                form.add_error(None, ValidationError(str(exc), code="budget" if isinstance(
                    exc, BudgetExceeded) else "inputs"))
                return render(request, "studio/compose.html#compose-form" if request.htmx
                              else "studio/compose.html", {"form": form, "jobs": _recent(request.user)})
            profile_params_remember(user=request.user, data=request.POST.dict())
            if request.POST.get("template"):  # made from a team template: count it as used
                template_count_generation(template_id=request.POST["template"])
            if not request.htmx:
                return redirect("compose")
            # Keep what was typed: people iterate on a prompt.
            form = GenerateForm(initial=request.POST.dict())
            return render(request, "studio/compose.html#submitted", {"form": form, "job": job})
        if request.htmx:
            return render(request, "studio/compose.html#compose-form", {"form": form})
    else:
        # A link's values (Reuse, a saved prompt) win; otherwise start from the last model and parameters.
        initial = request.GET.dict() or _values_that_fit(profile_last_params(user=request.user)) or None
        form = GenerateForm(initial=initial)
    return render(request, "studio/compose.html", {"form": form, "jobs": _recent(request.user)})


def _recent(user):
    return Job.objects.filter(owner=user).prefetch_related("images")[:RECENT_JOBS]


@require_GET
def compose_fields(request):
    """The parameter fields for the model chosen in the form (htmx swap)."""
    form = GenerateForm(initial=_values_that_fit(request.GET.dict()))
    # oob: the estimate beside Generate follows the new model's defaults.
    return render(request, "studio/compose.html#param-fields", {"form": form, "oob": True})


def _values_that_fit(values: dict) -> dict:
    """Keep the typed values the newly chosen model accepts; the rest reset to its defaults."""
    form = GenerateForm(values)
    form.is_valid()
    keep = {k: v for k, v in values.items() if k not in form.errors}
    if "width" in form.errors or "height" in form.errors:  # a refused size falls back as a pair
        keep.pop("width", None)
        keep.pop("height", None)
    return keep


@require_GET
def job_card(request, pk: int):
    # Every running card polls this each second: one job row and no image query
    # until the job has succeeded (only a succeeded card lists its images).
    job = card_job(pk=pk, user=request.user)
    if job is None:
        raise Http404
    context = {"job": job}
    if job.is_finished and request.htmx:
        return HttpResponseStopPolling(
            render(request, "studio/compose.html#job-card", context).content)
    # An unfinished card carries its state's ETag: the next unchanged poll is a 304 (studio/poll.py).
    return job_card_mark(render(request, "studio/compose.html#job-card", context), job)


@require_POST
def job_cancel(request, pk: int):
    job = _get_job_for_user(request, pk)
    if job.owner_id != request.user.pk and not request.user.is_staff:
        raise Http404
    job_cancel_service(job)
    job.refresh_from_db()
    return render(request, "studio/compose.html#job-card", {"job": job})


@require_POST
def job_retry(request, pk: int):
    """A new job with the same parameters, placed before the failed one's card."""
    old = _get_job_for_user(request, pk)
    if url := _retry_elsewhere(old):  # its model was shut down: compose with the replacement
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    try:
        job = job_retry_service(old, owner=request.user)
    except (BudgetExceeded, ProviderError) as exc:
        # The old card comes back with the reason. It replaces itself: inserted
        # before itself (the success swap) it would leave two cards with one id.
        response = render(request, "studio/compose.html#job-card", {"job": old, "card_error": str(exc)})
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "studio/compose.html#job-card", {"job": job})


def _retry_elsewhere(job: Job) -> str | None:
    """The compose URL for a retry whose model was shut down (the form swaps in the replacement)."""
    from gallery.prompts import compose_url
    from providers.lifecycle import lifecycle_redirect

    key = f"{job.connection_id}:{job.model_id}"
    if not job.connection_id or lifecycle_redirect(key=key) is None:
        return None
    params = {k: v for k, v in (job.params or {}).items() if v not in (None, "") and k != "model"}
    return compose_url(job.prompt, job.negative_prompt, {**params, "model": key})


@require_GET
def job_history(request):
    """Every job of one's own, newest first, a page at a time."""
    jobs = Job.objects.filter(owner=request.user).prefetch_related("images").order_by("-created_at", "-id")
    page = Paginator(jobs, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "studio/history.html", {"page": page, "jobs": page.object_list})

"""The estimate beside Generate, refreshed by htmx as quality, size or n change."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from .estimates import compare_estimates, compose_estimates, estimate_line
from .forms import GenerateForm
from .views_compare import CompareForm


@require_GET
def compose_estimate(request):
    form = GenerateForm(request.GET)
    return HttpResponse(escape(estimate_line(user=request.user, estimates=compose_estimates(form))))


@require_GET
def compare_estimate(request):
    form = CompareForm(request.GET)
    return HttpResponse(escape(estimate_line(user=request.user, estimates=compare_estimates(form))))

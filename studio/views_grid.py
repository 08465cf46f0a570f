"""The X/Y grid, as in AUTOMATIC1111: one axis models or seeds, the other a parameter's values."""
from __future__ import annotations

import math
import random

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from providers.rules import SEED_MAX
from providers.services import ModelChoice, model_choices

from .budgets import BudgetExceeded
from .compare import GRID_PARAMS, compare_grid_create
from .views_compare import _number

MAX_CELLS = 16
CELLS_RULE = f"A grid has at most {MAX_CELLS} pictures (columns × rows)"


def _list(text: str, kind: str, what: str) -> list:
    items = [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
    if not items:
        raise ValidationError(f"Write at least one {what}, separated by commas.", code="empty")
    try:
        if kind == "int":
            return [int(item) for item in items]
        if kind == "float":
            numbers = [float(item) for item in items]
            if not all(map(math.isfinite, numbers)):  # "inf", "nan" and "1e400" parse as floats
                raise ValueError
            return numbers
    except ValueError:
        raise ValidationError(f"Each {what} must be a number: “{', '.join(items)}”.", code="not_number") from None
    return items


class GridForm(forms.Form):
    prompt = forms.CharField(label="Prompt", widget=forms.Textarea(attrs={"rows": 3}), strip=True,
                             error_messages={"required": "Prompt is required"})
    negative_prompt = forms.CharField(label="Negative prompt", required=False, strip=True,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    width = _number("Width", required=True, minimum=64, maximum=4096, initial=1024,
                    help_text="Each model gets the nearest size it allows.")
    height = _number("Height", required=True, minimum=64, maximum=4096, initial=1024)
    x_axis = forms.ChoiceField(label="Columns", choices=[("models", "Models"), ("seeds", "Seeds")],
                               initial="models", widget=forms.RadioSelect)
    models = forms.MultipleChoiceField(label="Models", widget=forms.CheckboxSelectMultiple, required=False,
                                       help_text="Columns of models: two or more. Columns of seeds: exactly one.")
    seeds = forms.CharField(label="Seeds", required=False, help_text="Columns of seeds, e.g. 1, 2, 3. "
                            "With columns of models, the first seed (or a random one) is used by all.")
    param = forms.ChoiceField(label="Rows vary", choices=[(p, p.capitalize()) for p in GRID_PARAMS])
    values = forms.CharField(label="Row values", help_text="e.g. 20, 30, 40 for steps; standard, hd for quality.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices: dict[str, ModelChoice] = {c.key: c for c in model_choices() if not c.spec.needs_image}
        self.fields["models"].choices = [(key, c.label) for key, c in self.choices.items()]

    def clean(self):
        cleaned = super().clean()
        chosen = [self.choices[k] for k in cleaned.get("models") or []]
        try:
            seeds = _list(cleaned.get("seeds") or "", "int", "seed") if cleaned.get("seeds") else []
        except ValidationError as exc:
            self.add_error("seeds", exc)
            seeds = []
        if any(not 0 <= seed <= SEED_MAX for seed in seeds):
            self.add_error("seeds", ValidationError(f"Each seed must be between 0 and {SEED_MAX}.", code="seed_range"))
            seeds = []
        if cleaned.get("x_axis") == "seeds":
            if len(chosen) != 1:
                self.add_error("models", ValidationError("Columns of seeds: choose exactly one model.", code="one_model"))
            if len(seeds) < 2:
                self.add_error("seeds", ValidationError("Columns of seeds: write two or more seeds.", code="seeds"))
            columns = seeds
        else:
            if len(chosen) < 2:
                self.add_error("models", ValidationError("Columns of models: choose two or more.", code="models"))
            seeds = seeds[:1]
            columns = chosen
        if cleaned.get("param") and cleaned.get("values"):
            try:
                cleaned["value_list"] = _list(cleaned["values"], GRID_PARAMS[cleaned["param"]], "value")
            except ValidationError as exc:
                self.add_error("values", exc)
            else:
                if len(columns) * len(cleaned["value_list"]) > MAX_CELLS:
                    raise ValidationError(CELLS_RULE, code="too_many")
        cleaned["chosen"], cleaned["seed_list"] = chosen, seeds
        return cleaned

    def wanted(self) -> dict:
        c = self.cleaned_data
        seed = c["seed_list"][0] if c["seed_list"] else random.randrange(SEED_MAX + 1)
        return {"prompt": c["prompt"], "negative_prompt": c["negative_prompt"], "width": c["width"],
                "height": c["height"], "seed": seed}


@require_http_methods(["GET", "POST"])
def compare_grid(request):
    form = GridForm(request.POST or None, initial={k: v for k, v in request.GET.items()
                                                   if k in ("prompt", "negative_prompt", "width", "height")})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        seeds = c["seed_list"] if c["x_axis"] == "seeds" else []
        try:
            group = compare_grid_create(owner=request.user, choices=c["chosen"], seeds=seeds, param=c["param"],
                                        values=c["value_list"], wanted=form.wanted())
        except BudgetExceeded as exc:
            form.add_error(None, ValidationError(str(exc), code="budget"))
        else:
            url = reverse("compare-result", args=[group])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "studio/compare_grid.html", {"form": form})

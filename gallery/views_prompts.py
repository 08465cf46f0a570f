"""Saved prompts (private to each person) and the team's prompt templates."""
from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import PromptTemplate, SavedPrompt
from .prompts import (NOT_PARAMS, compose_url, saved_prompt_delete, saved_prompt_params, saved_prompt_save,
                      saved_prompts_for, template_can_edit, template_delete, template_use, template_variables,
                      template_variables_clean, variables_from_rows, variables_from_text, variables_to_text)

NAME_MAX = SavedPrompt._meta.get_field("name").max_length


def _get_saved_for_user(request, pk: int) -> SavedPrompt:
    # Private even from staff: someone else's saved prompt does not exist for you.
    return get_object_or_404(saved_prompts_for(request.user), pk=pk)


def _get_template_for_editor(request, pk: int) -> PromptTemplate:
    template = get_object_or_404(PromptTemplate, pk=pk)
    if not template_can_edit(template, request.user):
        raise PermissionDenied("Only its author or staff may edit this template.")
    return template


# --- forms --------------------------------------------------------------------

class TemplateForm(forms.ModelForm):
    variables_text = forms.CharField(
        label="Variables", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: name = default | choice1, choice2. A {name} in the text that is "
                  "not listed here gets no default and must be filled in on use.")
    # The compose form's model and parameters, carried from "Save as template"; kept when ticked.
    params_json = forms.CharField(required=False, widget=forms.HiddenInput)
    keep_params = forms.BooleanField(label="Start from this model and these parameters", required=False)

    class Meta:
        model = PromptTemplate
        fields = ["name", "description", "text", "negative_prompt"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "text": forms.Textarea(attrs={"rows": 3}),
                   "negative_prompt": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"text": "Variables in braces: product photo of {product} on {surface}. "
                              "Write {{ and }} for a literal brace."}
        error_messages = {"name": {"unique": "A template with this name already exists."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("variables_text", variables_to_text(self.instance.variables))
            self.initial.setdefault("params_json", json.dumps(self.instance.params or {}))
            self.initial.setdefault("keep_params", bool(self.instance.params))

    def variable_rows(self) -> list[dict]:
        """The rows the editor shows: as posted, else as stored; always one blank row to type in."""
        if self.is_bound and "var_name" in self.data:
            rows = [{"name": n, "default": d, "choices": c} for n, d, c in zip(
                self.data.getlist("var_name"), self.data.getlist("var_default"), self.data.getlist("var_choices"))]
        else:
            rows = [{"name": v["name"], "default": v.get("default", ""), "choices": ", ".join(v.get("choices", []))}
                    for v in (self.instance.variables or [])]
        return [r for r in rows if any(r.values())] + [{"name": "", "default": "", "choices": ""}]

    def stored_params(self) -> dict:
        raw = self["params_json"].value() or "{}"
        try:
            params = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in params.items() if k not in NOT_PARAMS} if isinstance(params, dict) else {}

    def clean_text(self):
        text = self.cleaned_data["text"]
        template_variables(text)  # raises on a stray brace or a bad name
        return text

    def clean(self):
        cleaned = super().clean()
        if "text" in cleaned and "variables_text" in cleaned:
            try:
                if "var_name" in self.data:  # the row editor
                    declared = variables_from_rows(self.data.getlist("var_name"), self.data.getlist("var_default"),
                                                   self.data.getlist("var_choices"))
                else:  # the one-line-per-variable textarea, for browsers without JavaScript
                    declared = variables_from_text(cleaned["variables_text"])
                self.instance.variables = template_variables_clean(cleaned["text"], declared)
            except ValidationError as exc:
                self.add_error("variables_text", exc)
        self.instance.params = self.stored_params() if cleaned.get("keep_params") else {}
        return cleaned


def template_use_form(template: PromptTemplate, data=None) -> forms.Form:
    """A form with one field per variable: a select where it has choices."""
    form = forms.Form(data)
    for var in template_variables_clean(template.text, template.variables):
        common = {"label": var["name"].replace("_", " ").capitalize(), "initial": var["default"],
                  "required": not var["default"]}
        if var["choices"]:
            form.fields[var["name"]] = forms.ChoiceField(choices=[(c, c) for c in var["choices"]], **common)
        else:
            form.fields[var["name"]] = forms.CharField(**common, help_text=(
                f"Default: {var['default']}" if var["default"] else ""))
    return form


# --- pages --------------------------------------------------------------------

@require_GET
def prompts(request):
    templates = PromptTemplate.objects.select_related("author__profile")
    return render(request, "gallery/prompts.html", {
        "saved_prompts": saved_prompts_for(request.user), "templates": templates})


@require_POST
def saved_prompt_create(request):
    """Save the compose form as posted (htmx: answer with a one-line confirmation)."""
    name = request.POST.get("save_name", "").strip()
    prompt = request.POST.get("prompt", "").strip()
    error = ("Give the prompt a name to save it under." if not name
             else f"A name may be at most {NAME_MAX} characters." if len(name) > NAME_MAX
             else "Write a prompt before saving it." if not prompt else "")
    if not error:
        saved, created = saved_prompt_save(
            owner=request.user, name=name, prompt=prompt,
            negative_prompt=request.POST.get("negative_prompt", "").strip(),
            params=saved_prompt_params(request.POST.dict()))
    context = {"error": error} if error else {"saved": saved, "created": created}
    if request.htmx:
        return render(request, "gallery/prompts.html#save-result", context)
    # Without JavaScript the button posts the whole compose form here.
    (messages.error if error else messages.success)(request, error or f"Saved “{saved.name}”.")
    return redirect("prompts")


@require_GET
def saved_prompt_use(request, pk: int):
    saved = _get_saved_for_user(request, pk)
    return redirect(compose_url(saved.prompt, saved.negative_prompt, saved.params))


@require_POST
def saved_prompt_remove(request, pk: int):
    saved_prompt_delete(_get_saved_for_user(request, pk))
    # htmx swaps the row away with this empty answer.
    return HttpResponse("") if request.htmx else redirect("prompts")


def _from_compose(query) -> dict | None:
    """The compose form's values ("Save as template"): its prompt, and its model and parameters."""
    if not query.get("prompt"):
        return None
    params = {k: v for k, v in query.dict().items() if k not in NOT_PARAMS and v}
    return {"text": query["prompt"], "negative_prompt": query.get("negative_prompt", ""),
            "params_json": json.dumps(params), "keep_params": bool(params)}


@require_http_methods(["GET", "POST"])
def template_create(request):
    form = TemplateForm(request.POST or None, instance=PromptTemplate(author=request.user),
                        initial=_from_compose(request.GET))
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("prompts")
    return render(request, "gallery/template_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    template = _get_template_for_editor(request, pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("prompts")
    return render(request, "gallery/template_form.html", {"form": form, "template": template})


@require_http_methods(["GET", "POST"])
def template_use_page(request, pk: int):
    template = get_object_or_404(PromptTemplate, pk=pk)
    try:
        form = template_use_form(template, request.POST if request.method == "POST" else None)
    except ValidationError as exc:  # stored data edited by hand into something unusable
        return render(request, "gallery/template_use.html", {"template": template, "broken": exc.messages})
    if request.method == "POST" and form.is_valid():
        try:
            text = template_use(template, form.cleaned_data)  # the compose URL, filled in
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(text)
    return render(request, "gallery/template_use.html", {"form": form, "template": template})


@require_POST
def template_remove(request, pk: int):
    template = _get_template_for_editor(request, pk)
    template_delete(template)
    messages.success(request, f"Deleted the template “{template.name}”.")
    return redirect("prompts")

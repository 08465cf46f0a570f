"""Saved prompts and team prompt templates: writes, reads, and the template language.

A template's text names its variables in braces, "product photo of {product}
on {surface}", and writes a literal brace doubled ("{{" and "}}"), as Python's
str.format does. Each variable has a default and, optionally, a list of
choices. Errors are ValidationErrors whose message names the variable or the
rule, so a form can show them beside its field.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse

from .models import PromptTemplate, SavedPrompt
from studio.numbers import parse_id

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# "{{" and "}}" are literal braces; "{…}" is a variable; any other brace is a mistake.
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
# Form fields that are not a saved prompt's parameters.
NOT_PARAMS = {"csrfmiddlewaretoken", "save_name", "prompt", "negative_prompt", "input_image", "template"}


# --- the template language --------------------------------------------------

def _segments(text: str) -> list[tuple[str, str]]:
    """The text as ("text", literal) and ("var", name) pieces."""
    out, pos = [], 0
    for m in TOKEN.finditer(text):
        out.append(("text", text[pos:m.start()]))
        token, pos = m.group(0), m.end()
        if token in ("{{", "}}"):
            out.append(("text", token[0]))
        elif m.group(1) is None:
            raise ValidationError(
                "Unmatched “%(brace)s” at character %(at)s: write {{ or }} for a literal brace.",
                code="unmatched_brace", params={"brace": token, "at": m.start() + 1})
        else:
            name = m.group(1).strip()
            if not NAME.match(name):
                raise ValidationError(
                    "“{%(name)s}” is not a variable name: use letters, digits and underscores, "
                    "or write {{ and }} for literal braces.", code="bad_name", params={"name": m.group(1)})
            out.append(("var", name))
    out.append(("text", text[pos:]))
    return out


def template_variables(text: str) -> list[str]:
    """The variable names ``text`` uses, each once, in order of first use."""
    return list(dict.fromkeys(value for kind, value in _segments(text) if kind == "var"))


def template_variables_clean(text: str, declared: list[dict]) -> list[dict]:
    """The variables list to store for ``text``: the declared ones, checked, in
    order of use, plus an implicit one (no default) for each undeclared {name}."""
    used = template_variables(text)
    by_name: dict[str, dict] = {}
    for var in declared:
        name = str(var.get("name", "")).strip()
        if not NAME.match(name):
            raise ValidationError("“%(name)s” is not a variable name: use letters, digits and underscores.",
                                  code="bad_name", params={"name": name})
        if name in by_name:
            raise ValidationError("The variable %(name)s is declared twice.", code="duplicate",
                                  params={"name": name})
        default = str(var.get("default") or "").strip()
        choices = [str(c).strip() for c in var.get("choices") or () if str(c).strip()]
        if choices and default and default not in choices:
            raise ValidationError("The default of %(name)s, “%(default)s”, is not one of its choices.",
                                  code="default_not_a_choice", params={"name": name, "default": default})
        by_name[name] = {"name": name, "default": default, "choices": choices}
    if unused := [name for name in by_name if name not in used]:
        raise ValidationError("Declared but not used in the text: %(names)s. Remove them or write {name} "
                              "in the text.", code="unused_variable", params={"names": ", ".join(unused)})
    return [by_name.get(name) or {"name": name, "default": "", "choices": []} for name in used]


def template_fill(template: PromptTemplate, values: dict) -> str:
    """The prompt ``template`` makes with ``values``.

    A blank or missing value takes the variable's default; a variable with
    neither is an error naming it. A value must be one of the variable's
    choices when it has some. Values for variables the template does not have
    are refused, so a misspelt name is not silently dropped.
    """
    variables = {v["name"]: v for v in template_variables_clean(template.text, template.variables)}
    if extra := [name for name in values if name not in variables]:
        raise ValidationError("This template has no variable %(names)s (it has %(known)s).", code="unknown_variable",
                              params={"names": ", ".join(extra), "known": ", ".join(variables) or "none"})
    filled, missing = {}, []
    for name, var in variables.items():
        value = str(values.get(name) or "").strip() or var["default"]
        if not value:
            missing.append(name)
        elif var["choices"] and value not in var["choices"]:
            raise ValidationError("%(name)s must be one of %(choices)s.", code="choice",
                                  params={"name": name, "choices": ", ".join(var["choices"])})
        filled[name] = value
    if missing:
        raise ValidationError("No value for %(names)s, and no default: fill it in.", code="missing_variable",
                              params={"names": ", ".join(missing)})
    return "".join(filled[value] if kind == "var" else value for kind, value in _segments(template.text))


def template_use(template: PromptTemplate, values: dict) -> str:
    """The compose page filled from ``template``: its text with ``values``, its negative
    prompt and stored parameters, and its id so each generation from it is counted."""
    text = template_fill(template, values)
    return compose_url(text, template.negative_prompt, {**(template.params or {}), "template": template.pk})


def template_count_generation(*, template_id) -> None:
    """One more generation made from the template (if it still exists). Raised in the
    database, so two people generating at once are both counted."""
    if (pk := parse_id(template_id)) is not None:
        PromptTemplate.objects.filter(pk=pk).update(use_count=F("use_count") + 1)


def template_delete(template: PromptTemplate) -> None:
    template.delete()


def variables_from_rows(names: list[str], defaults: list[str], choices: list[str]) -> list[dict]:
    """The editor's rows (name, default, comma-separated choices); blank rows are skipped."""
    out = []
    for number, (name, default, options) in enumerate(zip(names, defaults, choices), 1):
        name = name.strip()
        if not (name or default.strip() or options.strip()):
            continue
        if not NAME.match(name):
            raise ValidationError("Row %(n)s: “%(name)s” is not a variable name: use letters, digits and "
                                  "underscores.", code="bad_name", params={"n": number, "name": name})
        out.append({"name": name, "default": default.strip(),
                    "choices": [c.strip() for c in options.split(",") if c.strip()]})
    return out


def variables_from_text(text: str) -> list[dict]:
    """Parse the form's "one variable per line: name = default | choice1, choice2"."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        head, _, choices = line.partition("|")
        name, _, default = head.partition("=")
        name = name.strip()
        if not name:
            raise ValidationError("Line %(n)s: “%(line)s” has no variable name (write name = default | "
                                  "choice1, choice2).", code="bad_name", params={"n": number, "line": line.strip()})
        if not NAME.match(name):
            raise ValidationError("Line %(n)s: “%(name)s” is not a variable name: use letters, digits and "
                                  "underscores.", code="bad_name", params={"n": number, "name": name})
        out.append({"name": name, "default": default.strip(),
                    "choices": [c.strip() for c in choices.split(",") if c.strip()]})
    return out


def variables_to_text(variables: list[dict]) -> str:
    lines = []
    for var in variables:
        line = var["name"] + (f" = {var['default']}" if var.get("default") else "")
        if var.get("choices"):
            line += " | " + ", ".join(var["choices"])
        lines.append(line)
    return "\n".join(lines)


def template_can_edit(template: PromptTemplate, user) -> bool:
    return user.is_staff or (template.author_id is not None and template.author_id == user.pk)


# --- saved prompts ----------------------------------------------------------

def saved_prompt_save(*, owner, name: str, prompt: str, negative_prompt: str = "",
                      params: dict | None = None) -> tuple[SavedPrompt, bool]:
    """Save under ``name``, replacing the owner's prompt of that name.
    Returns the prompt and whether it is new."""
    return SavedPrompt.objects.update_or_create(
        owner=owner, name=name.strip(),
        defaults={"prompt": prompt, "negative_prompt": negative_prompt or "", "params": params or {}})


def saved_prompt_params(form_data: dict) -> dict:
    """The compose fields worth keeping from a posted compose form, as typed."""
    return {k: v for k, v in form_data.items() if k not in NOT_PARAMS and v not in (None, "")}


def saved_prompt_delete(saved: SavedPrompt) -> None:
    saved.delete()


def saved_prompts_for(user):
    return SavedPrompt.objects.filter(owner=user)


def compose_url(prompt: str, negative_prompt: str = "", params: dict | None = None) -> str:
    """The compose page, prefilled (it reads its initial values from the query)."""
    query = {**(params or {}), "prompt": prompt}
    if negative_prompt:
        query["negative_prompt"] = negative_prompt
    return f"{reverse('compose')}?{urlencode(query)}"

"""The model catalog: every built-in model's rules, as data.

One module per connection kind defines ``MODELS``, a list of plain dicts
(see ``providers.rules.ModelSpec.from_dict``). Kinds whose models come from
the server itself (A1111, ComfyUI) define ``TEMPLATE``: the rules applied to
each model the server lists. Staff add custom models to a connection in the
admin with the same dict shape.
"""
from __future__ import annotations

from functools import cache
from importlib import import_module

from ..registry import KINDS
from ..rules import ModelSpec

# module name under providers.catalog for each kind (kinds may share none)
_MODULES = {kind: kind.replace("-", "_") for kind in KINDS}


def _module(kind: str):
    try:
        return import_module(f"{__name__}.{_MODULES[kind]}")
    except ModuleNotFoundError:
        return None


@cache
def models_for(kind: str) -> tuple[ModelSpec, ...]:
    """The built-in models of a connection kind, in catalog order."""
    module = _module(kind)
    return tuple(ModelSpec.from_dict(d, kind=kind) for d in getattr(module, "MODELS", ()))


@cache
def template_for(kind: str) -> ModelSpec | None:
    """Rules for models a server lists itself (A1111 checkpoints), if the kind has them."""
    module = _module(kind)
    template = getattr(module, "TEMPLATE", None)
    return ModelSpec.from_dict(template, kind=kind) if template else None


def spec_for(kind: str, model_id: str) -> ModelSpec | None:
    for spec in models_for(kind):
        if spec.id == model_id:
            return spec
    template = template_for(kind)
    if template is not None:
        from dataclasses import replace

        return replace(template, id=model_id, label=model_id)
    return None


def all_models() -> list[ModelSpec]:
    return [spec for kind in KINDS for spec in models_for(kind)]

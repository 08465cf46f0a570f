"""From an OpenAI-style request to what the compose form would have sent.

The API never checks a model rule itself: it fills the compose form
(``studio.forms.GenerateForm``) with the same values a person would type,
so a request is refused for exactly the reasons the page refuses it, and
the error names the rule the form names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from providers.lifecycle import lifecycle_redirect
from providers.models import ProviderConnection
from providers.rules import SizeRange
from providers.services import ModelChoice, model_choice, model_choices
from studio.forms import GenerateForm

from .errors import ApiError
from .tokens import token_allows_model
from studio.numbers import parse_id

# OpenAI's fields plus the studio's; anything else in a body is ignored, as OpenAI does.
PARAM_FIELDS = ("quality", "background", "output_format", "negative_prompt", "seed", "steps",
                "guidance", "style_preset", "style", "sampler", "output_compression", "moderation")
RESPONSE_FORMATS = ("b64_json", "url")


@dataclass
class Prepared:
    choice: ModelChoice
    values: dict
    notes: list[str] = field(default_factory=list)
    board: object = None  # a gallery Board the images join


def board_resolve(*, user, value):
    """The board an API call names (its id, or one of the person's or the team's by name),
    among those the person may add to; None when none is named."""
    from gallery.boards import boards_addable

    if value in (None, ""):
        return None
    boards = boards_addable(user)
    board_id = parse_id(value)
    board = (boards.filter(pk=board_id).first() if board_id is not None
             else boards.filter(name=str(value).strip()).order_by("-owner_id").first())
    if board is None:
        raise ApiError(404, f"No board {value!r} that you may add to.", code="board_not_found", param="board")
    return board


def model_resolve(*, name: str | None, token) -> ModelChoice:
    """The model a request names: a "<connection id>:<model id>" key, or a bare
    model id (the first enabled connection offering it, by name)."""
    name = (name or "").strip()
    if not name:
        raise ApiError(400, "model is required: list the models with GET /v1/models.",
                       code="missing_required_parameter", param="model")
    if ":" in name and name.partition(":")[0].isdigit():
        choice = model_choice(name)
        key = name
    else:
        choice = next((c for c in model_choices() if c.spec.id == name), None)
        key = choice.key if choice else _retired_key(name)
    if choice is None:
        redirect = lifecycle_redirect(key=key)
        if redirect is not None:
            instead = f" Use {redirect.key.partition(':')[2]!r} instead." if redirect.key else ""
            raise ApiError(400, f"{redirect.note.split(';')[0]}.{instead}", code="model_shutdown",
                           param="model")
        raise ApiError(404, f"The model {name!r} does not exist or is not enabled in this studio.",
                       code="model_not_found", param="model")
    if not token_allows_model(token, key=choice.key, model_id=choice.spec.id):
        raise ApiError(403, f"This token may not use {choice.spec.id!r}; its owner limited it to "
                            f"{', '.join(token.allowed_models)}.", code="model_not_allowed", param="model")
    return choice


def _retired_key(model_id: str) -> str | None:
    """A key for a bare id no enabled connection offers any more (to explain why)."""
    for conn in ProviderConnection.objects.order_by("-enabled", "name"):
        if any(s.id == model_id for s in conn.all_specs()):
            return f"{conn.pk}:{model_id}"
    return None


def form_data(*, choice: ModelChoice, body: dict) -> dict:
    """The compose form's POST data for this body: the model's defaults where
    the body is silent, as the page pre-fills them."""
    spec = choice.spec
    data: dict = {"model": choice.key, "prompt": body.get("prompt") or "", "n": body.get("n") or 1,
                  "preset": body.get("preset") or ""}
    size, aspect = body.get("size"), body.get("aspect_ratio")
    rule = spec.size
    if size and not (size == "auto" or _is_wxh(size)):
        raise ApiError(400, f"size must be \"WIDTHxHEIGHT\" or \"auto\"; {spec.label} takes "
                            f"{rule.describe()}.", code="size", param="size")
    if isinstance(rule, SizeRange):
        if size and "x" in str(size):
            data["width"], _, data["height"] = str(size).partition("x")
        elif size == "auto" and rule.auto:
            pass  # both blank: the provider picks
        else:
            data["width"] = body.get("width") or ("" if rule.auto else rule.default[0])
            data["height"] = body.get("height") or ("" if rule.auto else rule.default[1])
    elif rule.kind == "aspect":
        if size and not aspect:
            raise ApiError(400, f"{spec.label} is sized by aspect ratio ({rule.describe()}), not by "
                                "size: send aspect_ratio.", code="size", param="size")
        data["aspect_ratio"] = aspect or rule.to_dict()["default"]
    else:
        data["size"] = size or rule.to_dict()["default"]
    for name, param in spec.params.items():
        value = body.get(name)
        if value is None and param.default is not None:
            value = param.default
        if value is None:
            continue
        if param.type == "bool":
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def _is_wxh(size) -> bool:
    width, x, height = str(size).partition("x")
    return bool(x) and width.isdigit() and height.isdigit()


def generation_prepare(*, body: dict, token, files=None, extra: dict | None = None) -> Prepared:
    """Validated values for a job, or an ApiError naming the broken rule."""
    if not isinstance(body.get("prompt"), str):
        raise ApiError(400, "prompt is required and must be text.", code="missing_required_parameter",
                       param="prompt")
    if body.get("response_format") not in (None, *RESPONSE_FORMATS):
        raise ApiError(400, "response_format must be b64_json or url.", code="invalid_value",
                       param="response_format")
    if body.get("visibility") not in (None, "", "private", "team"):
        raise ApiError(400, "visibility must be private or team.", code="invalid_value", param="visibility")
    choice = model_resolve(name=body.get("model"), token=token)
    data = QueryDict(mutable=True)
    for key, value in form_data(choice=choice, body=body).items():
        data[key] = "" if value is None else str(value)
    for key, value in (extra or {}).items():  # the edit fields: operation, references (a list)
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = str(value)
    if body.get("strength") is not None:
        data["strength"] = str(body["strength"])
    form = GenerateForm(data, files)
    if not form.is_valid():
        field_name, errors = next(iter(form.errors.as_data().items()))
        error = errors[0]
        message = " ".join(error.messages)
        param = None if field_name == "__all__" else ("size" if field_name in ("width", "height")
                                                       and body.get("size") else field_name)
        raise ApiError(400, f"{message} ({choice.spec.label}).", code=error.code or "invalid_value", param=param)
    board = board_resolve(user=token.user, value=body.get("board"))
    return Prepared(choice=form.choice, values=form.values, notes=form.notes, board=board)

"""What a provider tells us, made safe to keep and show.

Every result and every error passes through here on its way out of an
adapter (``Adapter`` wraps each subclass's ``generate``, ``check`` and
``list_models``), so no adapter can forget: secrets are redacted from all
provider text, text is capped, an image count above what was asked is cut
back, seeds outside the stored range are dropped, and retry-after is bounded.
"""
from __future__ import annotations

import json
import math

from . import limits
from .base import GenerationResult, ProviderError
from .secrets import redact

MAX_RETRY_AFTER = 3600.0
MAX_LISTED_MODELS = 2000
MAX_URL_CHARS = 8192


def text_clean(text, secrets, cap: int) -> str:
    """Provider text redacted and cut to ``cap`` characters."""
    text = "" if text is None else str(text)
    # Cut before redacting (bounded work) with room for a secret straddling
    # the cut, then cut again: what is left after redaction still fits.
    text = redact(text[:cap + 256], secrets)
    return text if len(text) <= cap else text[:cap - 1] + "…"


def seed_clean(seed):
    """An int we can store, or None: bool, floats and out-of-range seeds are dropped."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed not in limits.SEED_RANGE:
        return None
    return seed


def _json_clean(value, secrets, depth: int = 0):
    if depth > 20:
        return None
    if isinstance(value, str):
        return text_clean(value, secrets, limits.MAX_MESSAGE_CHARS)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON columns (PostgreSQL jsonb) refuse NaN and Infinity: kept as text
    if isinstance(value, dict):
        return {text_clean(k, secrets, 100): _json_clean(v, secrets, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_clean(v, secrets, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return text_clean(value, secrets, limits.MAX_MESSAGE_CHARS)


def usage_clean(usage, secrets) -> dict:
    if not isinstance(usage, dict) or not usage:
        return {}
    cleaned = _json_clean(usage, secrets)
    if len(json.dumps(cleaned, default=str)) > limits.MAX_USAGE_CHARS:
        return {"note": f"The provider's usage report was over {limits.MAX_USAGE_CHARS} characters; "
                        "not kept."}
    return cleaned


def result_clean(result: GenerationResult, *, asked: int, secrets) -> GenerationResult:
    """The result as we keep it; ProviderError if an inline image is over the cap."""
    if len(result.images) > asked:
        result.notes.append(f"The provider returned {len(result.images)} images for {asked} asked; "
                            f"the extra {len(result.images) - asked} were not kept.")
        result.images = result.images[:asked]
    cap = limits.max_image_bytes()
    for image in result.images:
        if image.data is not None and len(image.data) > cap:
            raise limits.too_large(cap, "image")
        image.seed = seed_clean(image.seed)
        if image.revised_prompt is not None:
            image.revised_prompt = text_clean(image.revised_prompt, secrets,
                                              limits.MAX_PROMPT_CHARS) or None
        if image.url is not None and len(str(image.url)) > MAX_URL_CHARS:
            raise ProviderError(f"The provider returned an image address over {MAX_URL_CHARS} "
                                "characters; refused", permanent=True, code="bad_url")
    result.usage = usage_clean(result.usage, secrets)
    if result.request_id is not None:
        result.request_id = text_clean(result.request_id, secrets, limits.MAX_REQUEST_ID_CHARS) or None
    result.notes = [text_clean(n, secrets, limits.MAX_MESSAGE_CHARS) for n in result.notes]
    return result


def error_clean(error: ProviderError, *, secrets) -> ProviderError:
    """The same error, its text redacted and capped, its numbers bounded."""
    error.message = text_clean(error.message, secrets, limits.MAX_MESSAGE_CHARS)
    error.args = (error.message,)
    if error.request_id is not None:
        error.request_id = text_clean(error.request_id, secrets, limits.MAX_REQUEST_ID_CHARS) or None
    retry_after = error.retry_after
    if retry_after is not None:
        try:
            retry_after = float(retry_after)
        except (TypeError, ValueError):
            retry_after = None
        error.retry_after = (min(max(retry_after, 0.0), MAX_RETRY_AFTER)
                             if retry_after is not None and math.isfinite(retry_after) else None)
    if isinstance(error.status, bool) or not isinstance(error.status, int) or not 100 <= error.status <= 599:
        error.status = None
    error.code = text_clean(error.code, (), 40) or "error"
    return error


def data_clean(value, secrets, *, depth: int = 0):
    """Every string inside a provider's JSON-like answer (model lists, schemas)
    redacted and capped; keys included, since a schema's names come from it too."""
    if depth > 32:
        return None
    if isinstance(value, str):
        return text_clean(value, secrets, MAX_DATA_STRING_CHARS)
    if isinstance(value, dict):
        return {data_clean(k, secrets, depth=depth + 1) if isinstance(k, str) else k:
                data_clean(v, secrets, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(data_clean(v, secrets, depth=depth + 1) for v in value)
    return value


MAX_DATA_STRING_CHARS = 20_000


def models_clean(found, secrets) -> list[str]:
    """A server's model list: strings, capped in length and number."""
    if not isinstance(found, list):
        return []
    return [text_clean(m, secrets, 300) for m in found[:MAX_LISTED_MODELS]]

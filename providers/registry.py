"""Connection kinds and the adapter (wire protocol) each one speaks.

Like Django's STORAGES or healthchecks' TRANSPORTS: a dict maps a kind to a
label and a dotted path; the class is imported on first use and cached. Several
kinds share a protocol module: APIYI, APIpie and the AIGC gateway all speak
OpenAI's Images API with their own extras.

A kind's models are data, not code: ``providers/catalog/data/<kind>.json``,
which every kind here must have (the start-up check refuses to run without
it). ``KIND_CHOICES`` feeds the ``kind`` fields of ProviderConnection and
CatalogOverride, so a new kind needs a migration.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import import_module


@dataclass(frozen=True)
class Kind:
    label: str
    adapter: str  # dotted path to the adapter class
    default_base_url: str = ""
    needs_key: bool = True
    # Models come from the server (A1111, ComfyUI): the adapter's ``list_models``,
    # each given the rules of the ``template`` in the kind's catalog file.
    discovers_models: bool = False
    # US dollars per unit of the cost figure the provider reports (BFL and
    # Stability bill in credits of one cent; APIpie reports dollars). None:
    # the provider reports no cost we can convert, so the catalog price is used.
    cost_unit_usd: Decimal | None = None


KINDS: dict[str, Kind] = {
    "local": Kind("Offline placeholder renderer (not AI)", "providers.local.LocalAdapter",
                  needs_key=False),
    "openai": Kind("OpenAI", "providers.openai.OpenAIAdapter", "https://api.openai.com/v1"),
    "apiyi": Kind("APIYI (FLUX.2)", "providers.openai.OpenAIAdapter", "https://api.apiyi.com/v1"),
    "apipie": Kind("APIpie", "providers.openai.OpenAIAdapter", "https://apipie.ai/v1",
                   cost_unit_usd=Decimal(1)),
    # The seed documents no host of its own (it writes api.example.com): staff enter it.
    "aigc": Kind("AIGC gateway", "providers.openai.OpenAIAdapter"),
    "openai-compatible": Kind("Other OpenAI-compatible gateway", "providers.openai.OpenAIAdapter"),
    "aithriving": Kind("aithriving (SD 1.6)", "providers.aithriving.AithrivingAdapter",
                       "https://www.aithriving.com"),
    "ai302": Kind("302.AI", "providers.ai302.AI302Adapter", "https://api.302.ai"),
    "bfl": Kind("Black Forest Labs", "providers.bfl.BFLAdapter", "https://api.bfl.ai",
                cost_unit_usd=Decimal("0.01")),
    "stability": Kind("Stability AI", "providers.stability.StabilityAdapter",
                      "https://api.stability.ai"),
    "a1111": Kind("AUTOMATIC1111 / Forge", "providers.a1111.A1111Adapter",
                  "http://127.0.0.1:7860", needs_key=False, discovers_models=True),
    "comfyui": Kind("ComfyUI", "providers.comfyui.ComfyUIAdapter", "http://127.0.0.1:8188",
                    needs_key=False, discovers_models=True),
    "gemini": Kind("Google Gemini API", "providers.gemini.GeminiAdapter",
                   "https://generativelanguage.googleapis.com"),
    "fal": Kind("fal.ai", "providers.fal.FalAdapter", "https://queue.fal.run"),
    "replicate": Kind("Replicate", "providers.replicate.ReplicateAdapter",
                      "https://api.replicate.com"),
    # Each Azure resource has its own host (https://<resource>.openai.azure.com): staff enter it.
    "azure-openai": Kind("Azure OpenAI", "providers.azure.AzureOpenAIAdapter"),
    "openrouter": Kind("OpenRouter", "providers.openrouter.OpenRouterAdapter",
                       "https://openrouter.ai/api/v1", cost_unit_usd=Decimal(1)),
}

KIND_CHOICES = [(key, kind.label) for key, kind in KINDS.items()]


class UnknownKind(LookupError):
    pass


@cache
def adapter_class(kind: str):
    """The adapter class for a connection kind, imported on first use."""
    try:
        path = KINDS[kind].adapter
    except KeyError:
        raise UnknownKind(f"No provider kind {kind!r}; known kinds: {', '.join(KINDS)}") from None
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)

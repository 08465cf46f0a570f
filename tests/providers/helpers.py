"""What the adapter contract tests share besides their fixtures."""
from providers.base import GenerationRequest, Hooks
from providers.catalog import spec_for


def generate(adapter, model: str, hooks: Hooks | None = None, prompt: str = "a red fox", **fields):
    """One generation of ``model`` through ``adapter``, with the catalog's spec for its kind."""
    request = GenerationRequest(prompt=prompt, model=model, **fields)
    return adapter.generate(request, spec_for(adapter.connection.kind, model), hooks or Hooks())

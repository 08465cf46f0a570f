"""Every catalog entry of the OpenAI-protocol kinds builds and has sane rules."""
from __future__ import annotations

import pytest

from providers.catalog import models_for
from providers.registry import KINDS
from providers.rules import AspectRatios, SizeList, SizeRange

KINDS_HERE = ("openai", "apiyi", "apipie", "aigc", "openai-compatible")

# Every model the seeds and the reference name for these kinds.
EXPECTED = {
    # The shut-down ones stay as lifecycle entries, so old references find their replacement.
    "openai": {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5",
               "gpt-image-1.5-2025-12-16", "chatgpt-image-latest",
               "gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-sunburst",
               "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare",
               "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"},
    "apiyi": {"flux-2-max", "flux-2-pro", "flux-2-flex", "flux-2-klein-9b", "flux-2-klein-4b",
              "flux-pro-1.1-ultra", "flux-pro-1.1", "flux-pro", "flux-dev", "gpt-image-2",
              "gpt-image-2-all"},
    "apipie": {"dall-e-3", "dall-e-2", "stable-diffusion-3"},
    "aigc": {"flux-1.1-pro", "flux-dev", "flux-schnell", "stable-diffusion-xl", "dall-e-3",
             "midjourney-v6"},
    "openai-compatible": set(),  # staff enter these
}


def default_values(spec) -> dict:
    values = {"prompt": "a red fox", "n": 1}
    if isinstance(spec.size, SizeRange):
        values["width"], values["height"] = spec.size.default
    elif isinstance(spec.size, SizeList):
        values["size"] = spec.size.default
    else:
        values["aspect_ratio"] = spec.size.default
    for name, param in spec.params.items():
        values[name] = param.default
    return values


@pytest.mark.parametrize("kind", KINDS_HERE)
def test_catalog_builds_and_is_sane(kind):
    assert KINDS[kind].adapter == "providers.openai.OpenAIAdapter"
    specs = models_for(kind)
    assert {spec.id for spec in specs} == EXPECTED[kind]
    assert len({spec.id for spec in specs}) == len(specs)
    for spec in specs:
        assert spec.label and spec.kind == kind
        assert 0 < spec.latency_s <= 120
        assert 1 <= spec.max_n <= 10
        assert isinstance(spec.size, (SizeRange, SizeList, AspectRatios))
        assert spec.price is None or spec.price > 0
        assert spec.check(default_values(spec)) == [], spec.id
        if isinstance(spec.size, SizeRange):
            assert spec.size.min <= spec.size.max and spec.size.max % spec.size.multiple == 0


def test_openai_models_take_no_seed_steps_or_negative_prompt():
    for spec in models_for("openai"):
        assert not {"seed", "steps", "guidance", "negative_prompt"} & spec.takes


def test_only_flux_2_flex_takes_steps_and_guidance_on_apiyi():
    takers = {spec.id for spec in models_for("apiyi") if {"steps", "guidance"} <= spec.takes}
    assert takers == {"flux-2-flex"}
    klein = [spec for spec in models_for("apiyi") if "klein" in spec.id]
    assert klein and all("prompt_upsampling" not in spec.takes for spec in klein)


def test_apiyi_notes_warn_of_expiring_urls():
    assert all("10 minutes" in spec.notes for spec in models_for("apiyi")
               if spec.id.startswith("flux"))


def test_apiyi_ultra_is_sized_by_aspect_ratio():
    ultra = next(spec for spec in models_for("apiyi") if spec.id == "flux-pro-1.1-ultra")
    assert isinstance(ultra.size, AspectRatios) and "16:9" in ultra.size.ratios

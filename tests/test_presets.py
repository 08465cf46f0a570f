"""Style presets: keywords for most models, the native style_preset where a model has one."""
import pytest

from gallery.presets import PRESET_CHOICES, PRESETS, apply_preset
from providers.catalog import spec_for
from providers.rules import ModelSpec


PLACEHOLDER = spec_for("local", "placeholder")
SD16 = spec_for("aithriving", "stable-diffusion-v1-6")
ULTRA = spec_for("stability", "ultra")
SDXL = spec_for("stability", "stable-diffusion-xl-1024-v1-0")


def test_the_curated_set_is_there_with_a_blank_choice_first():
    keys = [key for key, _ in PRESET_CHOICES]
    assert keys[0] == ""
    for key in ("photorealistic", "anime", "oil-painting", "watercolor", "cinematic", "pixel-art",
                "3d-render", "line-art", "fantasy-art", "comic-book", "isometric"):
        assert key in keys


def test_every_native_value_is_one_stability_takes():
    for preset in PRESETS:
        assert preset.native is None or preset.native in spec_for("stability", "ultra").params["style_preset"].choices, preset.key
        assert preset.native is None or preset.native in spec_for("aithriving", "stable-diffusion-v1-6").params["style_preset"].choices, preset.key


def test_a_model_without_native_presets_gets_keywords_appended():
    prompt, params, note = apply_preset("photorealistic", "a red fox in snow, ", PLACEHOLDER)
    assert prompt == "a red fox in snow, photorealistic, professional photography, natural lighting, sharp focus"
    assert params == {}
    assert "added" in note


def test_keywords_are_not_appended_twice():
    once, _, _ = apply_preset("anime", "a fox", PLACEHOLDER)
    assert apply_preset("anime", once, PLACEHOLDER)[0] == once


@pytest.mark.parametrize("model,key,native", [
    (SD16, "anime", "anime"), (SD16, "photorealistic", "photographic"), (ULTRA, "pixel-art", "pixel-art"),
    (SDXL, "3d-render", "3d-model"), (ULTRA, "comic-book", "comic-book"),
])
def test_aithriving_and_stability_models_get_the_native_style_preset(model, key, native):
    prompt, params, note = apply_preset(key, "a fox", model)
    assert prompt == "a fox"
    assert params == {"style_preset": native}
    assert f"“{native}”" in note


def test_a_preset_with_no_native_value_falls_back_to_keywords_on_a_native_model():
    prompt, params, _ = apply_preset("watercolor", "a fox", SD16)
    assert prompt.startswith("a fox, watercolor painting") and params == {}


def test_a_style_preset_the_person_chose_wins_and_the_preset_adds_keywords():
    prompt, params, _ = apply_preset("anime", "a fox", SD16, chosen_style_preset="origami")
    assert params == {} and prompt.startswith("a fox, anime style")


def test_no_preset_changes_nothing_and_an_unknown_one_is_named():
    assert apply_preset("", "a fox", SD16) == ("a fox", {}, "")
    with pytest.raises(ValueError, match="Unknown style preset 'sepia'"):
        apply_preset("sepia", "a fox", SD16)

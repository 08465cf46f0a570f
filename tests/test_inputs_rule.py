"""The image-inputs rule: the form refuses what a model cannot take, naming the rule."""
from providers.catalog import spec_for
from providers.catalog.schema import inputs_errors
from providers.image_inputs import ImageInputs


def messages(spec, **values):
    return {v.message for v in spec.check({"prompt": "a fox", "n": 1, "size": "1024x1024",
                                           "width": 1024, "height": 1024, **values})}


def test_gpt_image_takes_at_most_16_inputs_and_a_mask():
    spec = spec_for("openai", "gpt-image-2.6-sunburst")
    assert not messages(spec, operation="edit", input_count=16, mask=True)
    assert f"{spec.label} takes at most 16 input images (17 given)" in messages(
        spec, operation="edit", input_count=17)


def test_a_model_without_a_mask_says_so():
    spec = spec_for("bfl", "flux-2-pro")
    found = messages(spec, operation="edit", input_count=1, mask=True, width=1024, height=1024)
    assert "FLUX.2 [pro] takes no mask" in found


def test_klein_takes_four_and_text_only_models_none():
    assert any("at most 4 input images" in m for m in messages(
        spec_for("bfl", "flux-2-klein-4b"), operation="reference", input_count=5))
    dev = spec_for("bfl", "flux-dev")
    assert f"{dev.label} takes no input images" in messages(dev, input_count=1)
    assert f"{dev.label} cannot do Edit" in messages(dev, operation="edit", input_count=1)


def test_an_edit_needs_an_image_and_upscale_is_offered_only_where_listed():
    fast = spec_for("stability", "upscale-fast")
    assert fast.image_inputs.offers("upscale") and not fast.image_inputs.offers("edit")
    assert "Upscale needs an input image" in messages(fast, operation="upscale", size="auto")


def test_strength_only_where_taken():
    assert not messages(spec_for("a1111", "any.safetensors"), operation="edit", input_count=1,
                        strength=0.4, width=512, height=512)
    assert any("takes no strength" in m for m in messages(
        spec_for("openai", "gpt-image-2"), operation="edit", input_count=1, strength=0.4))


def test_schema_names_the_bad_field_and_round_trips():
    assert inputs_errors({"max_images": -1}) == ["inputs.max_images must be a whole number, 0 or more"]
    assert inputs_errors({"operations": ["teleport"]})
    rule = ImageInputs.from_dict({"max_images": 8, "operations": ["edit"]})
    assert ImageInputs.from_dict(rule.to_dict()) == rule
    assert rule.describe() == "up to 8 images: edit"

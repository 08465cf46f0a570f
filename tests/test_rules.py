"""Each kind of model rule accepts and rejects the right values."""
import pytest

from providers.catalog import models_for
from providers.local import render
from providers.rules import AspectRatios, ModelSpec, SizeList, SizeRange

LOCAL = models_for("local")[0]


def codes(spec, **values):
    values = {"prompt": "a fox", "n": 1, **values}
    return {(v.field, v.code) for v in spec.check(values)}


def messages(spec, **values):
    return [v.message for v in spec.check({"prompt": "a fox", "n": 1, **values})]


@pytest.mark.parametrize("width", [256, 264, 1024, 2048])
def test_range_and_multiple_accept_allowed_widths(width):
    assert codes(LOCAL, width=width, height=512) == set()


@pytest.mark.parametrize("width,code", [(248, "range"), (2056, "range"), (1001, "multiple_of"), (260, "multiple_of")])
def test_range_and_multiple_reject_with_the_rule_named(width, code):
    assert codes(LOCAL, width=width, height=512) == {("width", code)}


def test_messages_name_the_rule():
    assert messages(LOCAL, width=1001, height=512) == ["Width must be a multiple of 8"]
    assert messages(LOCAL, width=512, height=4000) == ["Height must be between 256 and 2048"]


@pytest.mark.parametrize("n,ok", [(0, False), (1, True), (4, True), (5, False)])
def test_count_rule(n, ok):
    assert (codes(LOCAL, width=512, height=512, n=n) == set()) is ok


def test_single_image_models_say_so():
    spec = ModelSpec("m", "M", "x", SizeList(("1024x1024",)), max_n=1)
    assert messages(spec, size="1024x1024", n=2) == [
        "This model makes one image per request: Number of images must be 1"]


def test_megapixel_cap_and_aspect():
    spec = ModelSpec("m", "M", "x", SizeRange(64, 2048, 16, max_megapixels=4, max_aspect=3))
    assert codes(spec, width=2048, height=2048) == {("width", "megapixels")}
    assert codes(spec, width=2048, height=1952) == set()
    assert codes(spec, width=1600, height=512) == {("width", "aspect")}


def test_size_list_and_aspect_choices():
    listed = ModelSpec("m", "M", "x", SizeList(("1024x1024", "1792x1024")))
    assert codes(listed, size="1792x1024") == set()
    assert codes(listed, size="512x512") == {("size", "choice")}
    ratios = ModelSpec("m", "M", "x", AspectRatios(("1:1", "16:9")))
    assert codes(ratios, aspect_ratio="16:9") == set()
    assert codes(ratios, aspect_ratio="4:3") == {("aspect_ratio", "choice")}


def test_param_ranges_and_choices_from_data():
    spec = ModelSpec.from_dict({
        "id": "m", "size": {"type": "aspect", "ratios": ["1:1"]},
        "params": {"steps": {"type": "int", "min": 10, "max": 50},
                   "sampler": {"type": "choice", "choices": ["DDIM", "K_LMS"]}},
    })
    assert codes(spec, aspect_ratio="1:1", steps=50, sampler="DDIM") == set()
    assert codes(spec, aspect_ratio="1:1", steps=9) == {("steps", "range")}
    assert codes(spec, aspect_ratio="1:1", sampler="Euler") == {("sampler", "choice")}


def test_spec_round_trips_through_its_dict():
    assert ModelSpec.from_dict(LOCAL.to_dict(), kind="local") == LOCAL


def test_bad_custom_model_data_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="size rule"):
        ModelSpec.from_dict({"id": "m", "size": {"type": "square"}})


def test_nearest_allowed_size():
    assert SizeRange(256, 2048, 64).nearest(1000, 300) == (960, 256)
    assert SizeList(("1024x1024", "1792x1024", "1024x1792")).nearest(1920, 1080) == "1792x1024"
    assert AspectRatios(("1:1", "16:9", "9:16")).nearest(1920, 1080) == "16:9"


def test_renderer_is_deterministic():
    a = render("a lighthouse on a cliff", 42, 512, 384)
    assert a == render("a lighthouse on a cliff", 42, 512, 384)
    assert a != render("a lighthouse on a cliff", 43, 512, 384)
    assert a != render("a lighthouse on a hill", 42, 512, 384)
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(a)).size == (512, 384)

"""GPT Image 2.x sizes: any WxH in multiples of 16 between a pixel floor and ceiling, or auto."""
import pytest

from providers.catalog import spec_for
from providers.models import ProviderConnection
from studio.forms import GenerateForm
from tests.fakes.openai import API_KEY

SPEC = spec_for("openai", "gpt-image-2.6-flare")


def codes(**values):
    return {(v.field, v.code) for v in SPEC.check({"prompt": "x", "n": 1, **values})}


@pytest.mark.parametrize("width,height,expected", [
    (1024, 1024, set()),
    (3840, 2160, set()),
    (800, 800, {("width", "min_pixels")}),          # 640,000 px: under the 655,360 floor
    (1440, 480, set()),                             # 3:1 and 691,200 px
    (3840, 2176, {("width", "megapixels")}),        # over 8,294,400 px
    (1000, 1000, {("width", "multiple_of"), ("height", "multiple_of")}),
])
def test_the_pixel_floor_and_ceiling(width, height, expected):
    assert codes(width=width, height=height) == expected


def test_the_floor_error_names_the_rule():
    (violation,) = SPEC.check({"prompt": "x", "n": 1, "width": 800, "height": 800})
    assert violation.message == "Width × height must be at least 655,360 pixels (800×800 is 640,000)"


def test_both_sides_blank_is_auto():
    assert codes() == set()
    assert codes(width=1024) == {("height", "required")}


def test_fitting_a_small_size_climbs_to_the_floor():
    w, h = SPEC.size.nearest(512, 512)
    assert w * h >= 655_360 and w % 16 == 0 and w == h


@pytest.mark.django_db
def test_the_form_sends_auto_when_width_and_height_are_blank():
    conn = ProviderConnection(kind="openai", name="OpenAI", base_url="http://127.0.0.1:9/v1")
    conn.set_api_key(API_KEY)
    conn.save()
    form = GenerateForm({"prompt": "a fox", "model": f"{conn.pk}:gpt-image-2.6-flare", "n": 1,
                         "width": "", "height": ""})
    assert form.is_valid(), form.errors
    assert form.values["size"] == "auto"
    assert "leave both blank and the model picks (auto)" in form.fields["width"].help_text

"""Reuse from the gallery fills the compose form and generates again."""
import pytest
from playwright.sync_api import expect

from gallery.models import Image

pytestmark = pytest.mark.browser


def test_reuse_fills_the_form_and_generates_the_same_picture(logged_in_page, live_server, worker):
    page = logged_in_page
    page.get_by_label("Prompt", exact=True).fill("a paper boat on a pond")
    page.get_by_label("Negative prompt").fill("people")
    page.get_by_label("Width").fill("320")
    page.get_by_label("Height").fill("256")
    page.get_by_label("Seed").fill("77")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".job-card .job-status").first).to_have_text("Succeeded", timeout=30_000)

    page.get_by_role("link", name="Gallery").click()
    page.get_by_role("img", name="a paper boat on a pond").first.click()
    page.get_by_role("button", name="Reuse").click()

    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a paper boat on a pond")
    expect(page.get_by_label("Negative prompt")).to_have_value("people")
    expect(page.get_by_label("Width")).to_have_value("320")
    expect(page.get_by_label("Height")).to_have_value("256")
    expect(page.get_by_label("Seed")).to_have_value("77")
    page.get_by_role("button", name="Generate").click()
    cards = page.locator(".job-card")
    expect(cards).to_have_count(2)
    expect(cards.first.locator(".job-status")).to_have_text("Succeeded", timeout=30_000)

    first, second = Image.objects.order_by("id")
    assert (second.width, second.height, second.seed) == (320, 256, 77)
    # The same renderer, prompt and seed: the same pixels (the files differ only in metadata).
    from io import BytesIO

    from PIL import Image as PILImage
    assert (PILImage.open(BytesIO(first.file.read())).tobytes()
            == PILImage.open(BytesIO(second.file.read())).tobytes())

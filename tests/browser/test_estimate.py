"""The estimate beside Generate follows the form as it is filled in."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PRICED = {"id": "priced", "label": "Priced", "max_n": 4, "params": {"seed": "seed"}, "price": {"usd": "0.10"},
          "size": {"type": "range", "min": 256, "max": 2048, "multiple": 8, "default": [512, 512]}}


def test_the_estimate_updates_with_the_model_and_the_number_of_images(logged_in_page, local_connection):
    local_connection.custom_models = [PRICED]
    local_connection.save()
    page = logged_in_page
    page.reload()
    estimate = page.locator("#estimate")
    expect(estimate).to_have_text("≈ $0.00")  # the free offline renderer
    page.get_by_label("Model").select_option(f"{local_connection.pk}:priced")
    expect(estimate).to_have_text("≈ $0.10")
    page.get_by_label("Number of images").fill("3")
    page.get_by_label("Prompt", exact=True).click()  # leaving the field is a change
    expect(estimate).to_have_text("≈ $0.30")
    expect(page.get_by_label("Prompt", exact=True)).to_be_visible()  # the form itself stays

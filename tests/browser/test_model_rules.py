"""The form follows the chosen model, in the browser as on the server."""
import re

import pytest
from playwright.sync_api import expect

from providers.models import ProviderConnection

pytestmark = pytest.mark.browser


@pytest.fixture
def gateways(transactional_db):
    openai = ProviderConnection.objects.create(kind="openai", name="OpenAI team",
                                               base_url="http://127.0.0.1:9/v1")
    apiyi = ProviderConnection.objects.create(kind="apiyi", name="APIYI", base_url="http://127.0.0.1:9/v1")
    return openai, apiyi


def test_fields_swap_when_the_model_changes(gateways, logged_in_page):
    openai, apiyi = gateways
    page = logged_in_page
    page.get_by_label("Prompt", exact=True).fill("a poster of a jazz night")
    model = page.get_by_label("Model", exact=True)

    model.select_option(f"{apiyi.pk}:gpt-image-2-all")
    # Sizes are chosen by their shape: one radio per allowed size.
    size = page.get_by_role("group", name="Size")
    expect(size).to_be_visible()
    assert size.locator(".shape").all_inner_texts() == ["1024x1024", "1536x1024", "1024x1536", "auto"]
    expect(size.locator("input:checked")).to_have_count(1)  # the model's default
    expect(page.get_by_label("Width")).to_have_count(0)

    model.select_option(f"{openai.pk}:gpt-image-2.6-sunburst")
    expect(page.get_by_label("Width")).to_be_visible()
    expect(page.get_by_role("group", name="Size")).to_have_count(0)
    expect(page.get_by_label("Complexity")).to_be_visible()
    expect(page.get_by_label("Steps")).to_have_count(0)
    # The prompt, outside the swapped fields, is untouched.
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a poster of a jazz night")

    model.select_option(f"{apiyi.pk}:flux-2-flex")
    expect(page.get_by_label("Steps")).to_be_visible()
    expect(page.locator("#field-steps .help")).to_have_text("1–50")
    expect(page.locator("#field-guidance .help")).to_have_text("1.5–10")
    expect(page.get_by_label("Width")).to_be_visible()

    # A rule this model has and the placeholder has not: multiples of 16.
    page.get_by_label("Width").fill("1000")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#field-width .error")).to_have_text("Width must be a multiple of 16")
    expect(page.get_by_label("Model")).to_have_value(f"{apiyi.pk}:flux-2-flex")


def test_model_options_name_label_id_and_connection(gateways, logged_in_page):
    openai, _ = gateways
    option = logged_in_page.locator(f'option[value="{openai.pk}:gpt-image-2"]')
    # name and price fit a phone's select; the id, speed and abilities are in its title (and under it)
    expect(option).to_have_text(re.compile(r"^GPT Image 2 · \$[0-9.]+/image"))
    expect(option).to_have_attribute("title", re.compile(r"^GPT Image 2 \(gpt-image-2\) — "))
    expect(logged_in_page.locator('optgroup[label="OpenAI team"]')).to_have_count(1)
    expect(logged_in_page.locator(f'option[value="{openai.pk}:dall-e-3"]')).to_have_count(0)

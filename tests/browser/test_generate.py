"""The newcomer's path: log in, generate, watch the card finish, find the image."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_generate_and_find_it_in_the_gallery(logged_in_page, live_server, worker, local_connection):
    page = logged_in_page
    page.get_by_label("Prompt", exact=True).fill("a lighthouse on a cliff at dusk")
    page.get_by_label("Width").fill("512")
    page.get_by_label("Height").fill("384")
    page.get_by_label("Seed").fill("1234")
    page.get_by_role("button", name="Generate").click()

    card = page.locator(".job-card").first
    expect(card).to_contain_text("a lighthouse on a cliff at dusk")
    # The real worker runs it; the card polls itself to Succeeded without a reload.
    expect(card.locator(".job-status")).to_have_text("Succeeded", timeout=30_000)
    # Announced to screen readers in the page's live region.
    expect(page.locator("#announcer")).to_contain_text("Job finished: Succeeded — a lighthouse on a cliff at dusk")
    thumb = card.get_by_role("img", name="a lighthouse on a cliff at dusk")
    expect(thumb).to_be_visible()
    assert page.evaluate("document.querySelector('.job-card img').naturalWidth") > 0
    expect(card).not_to_have_attribute("hx-trigger", re.compile(".*"))

    page.get_by_role("link", name="Gallery").click()
    tile = page.get_by_role("img", name="a lighthouse on a cliff at dusk")
    expect(tile).to_be_visible()
    tile.click()  # opens the lightbox; its Details link opens the image's page
    page.locator("#lightbox").get_by_role("link", name="Details").click()
    expect(page.locator("dd.prompt")).to_have_text("a lighthouse on a cliff at dusk")
    expect(page.get_by_text("512 × 384 PNG")).to_be_visible()
    expect(page.get_by_text("1234", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Download original")).to_be_visible()


def test_a_broken_rule_is_shown_beside_the_field(logged_in_page, local_connection):
    page = logged_in_page
    page.get_by_label("Prompt", exact=True).fill("a fox")
    page.get_by_label("Width").fill("1001")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#field-width .error")).to_have_text("Width must be a multiple of 8")
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a fox")
    expect(page.locator(".job-card")).to_have_count(0)

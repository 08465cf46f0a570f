"""The README's tour: the main pages at desktop and phone width.

`make screenshots` (STUDIO_SCREENSHOTS=1) writes them to docs/screenshots/, so the
pictures in the README come from the same steps the tests check.
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import VIEWPORTS, signed_in

pytestmark = pytest.mark.browser

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SAVE = os.environ.get("STUDIO_SCREENSHOTS") == "1"


def shot(page, name: str, width: str) -> None:
    if SAVE:
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}-{width}.png"))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_tour(browser, live_server, studio_data, member, width):
    with signed_in(browser, live_server, member, viewport=VIEWPORTS[width]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("Prompt", exact=True).fill("a lighthouse on a cliff at dusk, oil painting")
        expect(page.get_by_role("button", name="Generate")).to_be_visible()
        shot(page, "compose", width)

        page.goto(live_server.url + "/gallery/")
        expect(page.locator(".tile")).to_have_count(3)
        page.locator(".tile").first.hover()
        shot(page, "gallery", width)
        page.locator(".tile a").first.click()
        expect(page.get_by_role("dialog")).to_be_visible()
        shot(page, "lightbox", width)
        page.keyboard.press("Escape")

        page.goto(live_server.url + f"/compare/{studio_data['group']}/")
        expect(page.get_by_role("heading", name="A/B")).to_be_visible()
        shot(page, "compare", width)

        page.goto(live_server.url + studio_data["shared"].get_absolute_url())
        expect(page.get_by_role("heading", name="Moodboard")).to_be_visible()
        shot(page, "board", width)

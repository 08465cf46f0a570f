"""The gallery on a phone shows images first: filters and bulk actions wait to be asked for."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, horizontal_overflow, in_viewport, signed_in

pytestmark = pytest.mark.browser

# the right edge of every filter field, in CSS pixels ("html { overflow-x: clip }" hides overflow
# from scrollWidth, so the fields themselves are measured)
RIGHT_EDGES = """() => Array.from(document.querySelectorAll('.gallery-filters :is(input, select)'))
  .filter(el => el.offsetParent).map(el => el.getBoundingClientRect().right)"""


@pytest.mark.parametrize("width", [360, 390])
def test_images_come_first_and_filters_fit(browser, live_server, studio_data, member, width):
    with signed_in(browser, live_server, member, viewport={**PHONE, "width": width}) as context:
        page = context.new_page()
        page.goto(live_server.url + "/gallery/?q=a")
        assert in_viewport(page, page.locator(".tile img").first)
        search = page.get_by_role("searchbox", name="Search prompts")
        expect(search).to_be_hidden()
        expect(page.get_by_role("button", name="Download zip")).to_be_hidden()

        filters = page.get_by_text("Filters · 1 active")
        filters.click()
        expect(search).to_be_visible()
        edges = page.evaluate(RIGHT_EDGES)
        assert edges and max(edges) <= width, edges
        assert horizontal_overflow(page) == 0


def test_ticking_a_tile_brings_the_bulk_actions_to_hand(browser, live_server, studio_data, member):
    image = studio_data["images"][0]
    with signed_in(browser, live_server, member, viewport=PHONE) as context:
        page = context.new_page()
        page.goto(live_server.url + "/gallery/")
        page.get_by_role("checkbox", name=f"Select image {image.pk}").check()
        expect(page.get_by_text("1 image selected")).to_be_visible()
        assert in_viewport(page, page.get_by_role("button", name="Download zip"))


def test_filters_stay_open_on_a_desktop(browser, live_server, studio_data, member):
    with signed_in(browser, live_server, member) as context:
        page = context.new_page()
        page.goto(live_server.url + "/gallery/")
        expect(page.get_by_role("searchbox", name="Search prompts")).to_be_visible()
        expect(page.get_by_role("button", name="Filters")).to_be_hidden()

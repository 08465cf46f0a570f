"""What a designer does every day, at phone and desktop width."""
import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import VIEWPORTS, in_viewport, signed_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_generate_and_the_new_card_are_in_view_after_submit(browser, live_server, studio_data, member, width):
    with signed_in(browser, live_server, member, viewport=VIEWPORTS[width]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("Prompt", exact=True).fill("a kite over the dunes")
        page.get_by_label("Prompt", exact=True).press("Control+Enter")  # the hotkey generates
        card = page.locator(".job-card").first
        expect(card).to_contain_text("a kite over the dunes")
        expect(card).to_be_focused()
        assert in_viewport(page, card), card.bounding_box()
        assert in_viewport(page, page.get_by_role("button", name="Generate")), "Generate stays in view"


def test_the_menu_collapses_on_a_phone(browser, live_server, studio_data, member):
    with signed_in(browser, live_server, member, viewport=VIEWPORTS["phone"]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        usage = page.get_by_role("link", name="Usage")
        expect(usage).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(usage).to_be_visible()
        assert usage.bounding_box()["x"] + usage.bounding_box()["width"] <= 390


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_lightbox_opens_and_moves_with_the_arrow_keys(browser, live_server, studio_data, member, width):
    with signed_in(browser, live_server, member, viewport=VIEWPORTS[width]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/gallery/")
        page.get_by_role("img", name="a paper boat on a pond").click()  # the newest, first tile
        box = page.get_by_role("dialog")
        expect(box).to_be_visible()
        prompt = box.locator(".lightbox-prompt")
        expect(prompt).to_have_text("a paper boat on a pond")
        assert page.url.endswith("/gallery/"), "the lightbox opens without leaving the page"
        page.keyboard.press("ArrowRight")
        expect(prompt).to_have_text("a red fox in snow")
        expect(box.get_by_role("img", name="a red fox in snow")).to_be_visible()
        page.keyboard.press("ArrowLeft")
        expect(prompt).to_have_text("a paper boat on a pond")
        assert box.get_by_role("button", name="Reuse").get_attribute("href").endswith("/reuse/")
        page.keyboard.press("Escape")
        expect(box).to_be_hidden()


def test_bulk_download_is_a_zip_of_the_chosen_images(browser, live_server, studio_data, member):
    images = studio_data["images"]
    with signed_in(browser, live_server, member) as context:
        page = context.new_page()
        page.goto(live_server.url + "/gallery/")
        for image in images[:2]:
            page.get_by_role("checkbox", name=f"Select image {image.pk}").check()
        expect(page.get_by_text("2 images selected")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download zip").click()
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            names = sorted(archive.namelist())
            assert names == sorted(f"image-studio-{i.pk}.png" for i in images[:2])
            assert archive.read(names[0]).startswith(b"\x89PNG")


def test_a_team_board_opens_for_a_teammate_and_not_for_an_outsider(browser, live_server, studio_data):
    shared, private = studio_data["shared"], studio_data["private"]
    with signed_in(browser, live_server, studio_data["teammate"]) as context:
        page = context.new_page()
        page.goto(live_server.url + shared.get_absolute_url())
        expect(page.get_by_role("heading", name="Moodboard")).to_be_visible()
        expect(page.locator(".tile")).to_have_count(3)
        response = page.goto(live_server.url + private.get_absolute_url())
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    with signed_in(browser, live_server, None) as context:  # someone without an account
        page = context.new_page()
        page.goto(live_server.url + shared.get_absolute_url())
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        expect(page.get_by_text("Moodboard")).to_have_count(0)


def test_compare_from_compose_carries_the_prompt(browser, live_server, studio_data, member):
    with signed_in(browser, live_server, member, viewport=VIEWPORTS["phone"]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("Prompt", exact=True).fill("a teapot in the style of a lighthouse")
        page.get_by_label("Width").fill("512")
        page.get_by_role("button", name="Compare models").click()
        page.wait_for_url("**/compare/?*")
        expect(page.get_by_label("Prompt", exact=True)).to_have_value("a teapot in the style of a lighthouse")
        expect(page.get_by_label("Width")).to_have_value("512")
        expect(page.get_by_role("checkbox", name="Offline placeholder (not AI) (placeholder)")).to_be_checked()


@pytest.mark.parametrize("scheme,dark", [("dark", True), ("light", False)])
def test_the_theme_follows_the_device_until_chosen(browser, live_server, studio_data, member, scheme, dark):
    def is_dark(page) -> bool:
        rgb = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        return sum(int(part) for part in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]) < 3 * 128

    with signed_in(browser, live_server, member, color_scheme=scheme) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert is_dark(page) is dark
        toggle = page.get_by_role("button", name="Theme: automatic")
        toggle.click()  # automatic → dark
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.get_by_role("button", name="Theme: dark").click()  # dark → light
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        page.wait_for_timeout(200)
        page.reload()
        assert not is_dark(page), "the choice is remembered"
        expect(page.get_by_role("button", name="Theme: light")).to_be_visible()


def test_a_shape_fills_in_width_and_height(browser, live_server, studio_data, member):
    with signed_in(browser, live_server, member) as context:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("Width").fill("1024")
        page.get_by_label("Height").fill("1024")
        page.get_by_role("button", name="Shape 16:9").click()
        expect(page.get_by_label("Width")).to_have_value("1024")
        expect(page.get_by_label("Height")).to_have_value("576")
        page.get_by_role("button", name="Shape 2:3").click()
        expect(page.get_by_label("Width")).to_have_value("680")  # 682.7 to a multiple of 8
        expect(page.get_by_label("Height")).to_have_value("1024")

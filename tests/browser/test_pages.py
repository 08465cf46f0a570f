"""Every page at phone and desktop width, light and dark: no sideways scroll, axe-core finds nothing.

Each page is checked with every axe rule in the light theme, then switched to
dark in place and checked again for colour contrast, the only rules a theme
changes (this keeps the suite quick on two cores).
"""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import VIEWPORTS, horizontal_overflow, signed_in

pytestmark = pytest.mark.browser

THEME_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
               "resultTypes": ["violations"]}


def page_urls(data) -> dict[str, str]:
    image = data["images"][0]
    return {
        "compose": "/", "compare": "/compare/", "compare result": f"/compare/{data['group']}/",
        "compare history": "/compare/history/", "grid": "/compare/grid/", "gallery": "/gallery/", "image": image.get_absolute_url(),
        "boards": "/gallery/boards/", "board": data["shared"].get_absolute_url(), "history": "/jobs/",
        "prompts": "/prompts/", "new template": "/prompts/templates/new/", "usage": "/usage/",
        "profile": "/profile/", "not found": "/no/such/page/",
    }


def check(page, name, axe, problems):
    if overflow := horizontal_overflow(page):
        problems.append(f"{name}: scrolls {overflow}px sideways")
    for scheme, options in (("light", None), ("dark", THEME_RULES)):
        page.emulate_media(color_scheme=scheme)
        results = axe.run(page, options=options) if options else axe.run(page)
        if results.violations_count:
            problems.append(f"{name} ({scheme}): {results.generate_report()}")
    page.emulate_media(color_scheme="light")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_page_fits_and_passes_axe(browser, live_server, studio_data, member, width):
    axe = Axe()
    problems = []
    with signed_in(browser, live_server, member, viewport=VIEWPORTS[width]) as context:
        page = context.new_page()
        for name, url in page_urls(studio_data).items():
            page.goto(live_server.url + url)
            check(page, name, axe, problems)
        page.goto(live_server.url + "/gallery/")  # the open lightbox
        page.locator(".tile a").first.click()
        page.get_by_role("dialog").wait_for()
        check(page, "lightbox", axe, problems)
        if width == "phone":  # the open menu too
            page.goto(live_server.url + "/")
            page.get_by_role("button", name="Menu").click()
            check(page, "open menu", axe, problems)
    with signed_in(browser, live_server, None, viewport=VIEWPORTS[width]) as context:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        check(page, "login", axe, problems)
    assert not problems, "\n".join(problems)

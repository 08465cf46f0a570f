"""Shared bits of the UI browser tests: sizes, signed-in contexts, page checks."""
from __future__ import annotations

from django.test import Client

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def signed_in(browser, live_server, user=None, *, viewport=DESKTOP, color_scheme="light"):
    """A browser context at ``viewport``, signed in as ``user`` (a session cookie, no login form)."""
    # Reduced motion: Pico then skips its colour transitions, so a theme switch is measured settled.
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme, accept_downloads=True,
                                  reduced_motion="reduce")
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
    context.set_default_timeout(15_000)
    return context


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size["height"]

"""Under the Content-Security-Policy the pages still work and the browser reports no violation."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image

pytestmark = pytest.mark.browser

# Injected by the browser driver, so the policy does not apply to it.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


def log_in(page, live_server, user):
    page.set_default_timeout(15_000)
    page.add_init_script(COLLECT)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_member_pages_work_without_a_violation(page, live_server, member, local_connection, media_root):
    image = make_image(member, local_connection, prompt="a quiet harbour")
    log_in(page, live_server, member)

    # Compose: htmx swaps the fields, and Enter in the save box saves the prompt.
    page.get_by_label("Prompt", exact=True).fill("a lantern in fog")
    page.get_by_label("Save prompt as").fill("lantern")
    page.get_by_label("Save prompt as").press("Enter")
    expect(page.locator("#save-prompt-result")).not_to_be_empty()
    assert violations(page) == []

    page.goto(live_server.url + "/gallery/")
    expect(page.locator(f"#image-{image.pk}")).to_be_visible()
    assert violations(page) == []

    page.goto(live_server.url + image.get_absolute_url())
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy prompt").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert violations(page) == []

    page.goto(live_server.url + "/usage/")
    assert violations(page) == []


def test_the_admin_and_the_usage_charts_work_without_a_violation(page, live_server, staff, member):
    from tests.test_usage import make_job

    make_job(member, cost="0.08", images=2)
    staff.is_superuser = True
    staff.save()
    log_in(page, live_server, staff)
    page.goto(live_server.url + "/usage/")
    chart_bar = page.locator("svg.usage-chart rect.bar").first
    expect(chart_bar).to_be_visible()
    # The bar's colour comes from the stylesheet, not a blocked style attribute.
    assert chart_bar.evaluate("e => getComputedStyle(e).fill") not in ("", "none", "rgb(0, 0, 0)")
    assert violations(page) == []
    page.goto(live_server.url + f"/admin/auth/user/{staff.pk}/change/")
    expect(page.locator("#id_username")).to_have_value(staff.username)
    # The admin's own scripts ran: the filter widget for permissions is built by SelectFilter2.js.
    expect(page.locator("#id_user_permissions_filter")).to_be_attached()
    assert violations(page) == []

"""A person makes a token on their profile, sees it once, uses it, and revokes it."""
import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_csp_pages import log_in, violations

pytestmark = pytest.mark.browser


def test_make_use_and_revoke_a_token_on_the_profile_page(page, live_server, member, local_connection):
    log_in(page, live_server, member)

    page.goto(live_server.url + "/profile/")
    page.get_by_label("Token name").fill("laptop script")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-value").inner_text().strip()
    assert secret.startswith("ist_")
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(live_server.url + "/v1/models", headers=auth).status_code == 200

    page.goto(live_server.url + "/profile/")
    expect(page.locator("#new-token-value")).to_have_count(0)  # shown once only
    row = page.locator("tr", has_text="laptop script")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("tr", has_text="laptop script")).to_contain_text("revoked")
    assert httpx.get(live_server.url + "/v1/models", headers=auth).status_code == 401
    assert violations(page) == []

"""Login throttling (django-axes): by account, by address, a clear message, an admin unlock."""
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest

from tests.conftest import PASSWORD

LOCKED = "Too many failed logins for this account or from this address."


def login(client, username, password, address="10.0.0.1", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address, **extra)


def fail_until_locked(client, username, address="10.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, username, "wrong password", address).status_code == 200
    # The failure that reaches the limit is already told why.
    assert LOCKED in login(client, username, "wrong password", address).content.decode()


def test_the_right_password_is_refused_once_an_account_is_locked(client, member):
    fail_until_locked(client, "mira")
    response = login(client, "mira", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "ask an admin to unlock it" in html
    assert 'name="password"' in html  # still the login page, not a bare error
    assert response["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whichever_address_the_guesses_come_from(client, member):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "mira", "wrong password", address=f"10.0.1.{i}")
    assert login(client, "mira", PASSWORD, address="10.0.2.1").status_code == 429


def test_an_address_is_locked_whichever_accounts_it_guesses(client, member, django_user_model):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"nobody{i}", "wrong password", address="10.0.3.3")
    assert login(client, "mira", PASSWORD, address="10.0.3.3").status_code == 429
    # Another address is not affected.
    response = login(client, "mira", PASSWORD, address="10.0.3.4")
    assert response.status_code == 302


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client, member):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "mira", "wrong password")
    assert login(client, "mira", PASSWORD).status_code == 302


def test_staff_unlock_an_account_in_the_admin(client, member, staff):
    fail_until_locked(client, "mira")
    staff_client = type(client)()
    staff_client.force_login(staff)
    staff.is_superuser = True
    staff.save()
    changelist = staff_client.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200 and "mira" in changelist.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = staff_client.post("/admin/axes/accessattempt/",
                                 {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert login(client, "mira", PASSWORD).status_code == 302


@pytest.mark.parametrize("proxies,forwarded,expected", [
    (0, "203.0.113.9", "10.0.0.1"),                 # no proxy: a client cannot pick its address
    (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the proxy's own entry, not the client's claim
    (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
    (2, "", "10.0.0.1"),
])
def test_the_counted_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    from studio.login_throttle import client_ip

    settings.STUDIO_TRUSTED_PROXIES = proxies
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_ip(request) == expected

"""People: the profile page, password change, the user_add command, staff-only admin."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from PIL import Image as PILImage

from gallery.models import Profile, Visibility
from gallery.services import image_store, profile_for
from studio.models import Job
from tests.conftest import PASSWORD

NEW_PASSWORD = "a much longer passphrase 42"


def png_bytes() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


def test_profile_page_edits_display_name_and_default_visibility(member_client, member):
    html = member_client.get("/profile/").content.decode()
    assert ">Display name</label>" in html and ">Default visibility</label>" in html
    assert 'href="/profile/password/"' in html
    response = member_client.post("/profile/", {"display_name": "Mira K.", "default_visibility": "private"},
                                  follow=True)
    assert "Your profile was saved." in response.content.decode()
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.default_visibility) == ("Mira K.", Visibility.PRIVATE)


def test_an_unknown_visibility_is_refused(member_client, member):
    html = member_client.post("/profile/", {"display_name": "", "default_visibility": "public"}).content.decode()
    assert "Select a valid choice" in html
    assert profile_for(member).default_visibility == Visibility.TEAM


def test_nav_links_the_username_to_the_profile(member_client):
    html = member_client.get("/prompts/").content.decode()
    assert '<a href="/profile/" >mira</a>' in html
    assert ">Prompts</a>" in html and ">Log out</button>" in html
    assert ">Admin</a>" not in html


def test_new_images_take_the_owners_default_visibility(member, media_root):
    profile = profile_for(member)
    profile.default_visibility = Visibility.PRIVATE
    profile.save()
    job = Job.objects.create(owner=member, connection_name="Offline renderer", model_id="placeholder",
                             model_label="Offline placeholder", prompt="a teal square")
    assert image_store(job=job, index=0, data=png_bytes()).visibility == Visibility.PRIVATE
    profile.default_visibility = Visibility.TEAM
    profile.save()
    assert image_store(job=job, index=1, data=png_bytes()).visibility == Visibility.TEAM


def test_password_change_flow(client, member):
    client.force_login(member)
    page = client.get("/profile/password/").content.decode()
    assert "Change password" in page and "pico" in page
    wrong = client.post("/profile/password/", {"old_password": "nope", "new_password1": NEW_PASSWORD,
                                               "new_password2": NEW_PASSWORD})
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    response = client.post("/profile/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                  "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/profile/password/done/"
    assert "Your password was changed" in response.content.decode()
    assert client.get("/profile/").status_code == 200  # still logged in
    client.logout()
    assert client.login(request=HttpRequest(), username="mira", password=NEW_PASSWORD)  # axes needs a request


# --- user_add -------------------------------------------------------------------

def user_add(*args, stdin="a long enough passphrase\n"):
    out = io.StringIO()
    stdin = io.StringIO(stdin) if isinstance(stdin, str) else stdin
    call_command("user_add", *args, stdin=stdin, stdout=out)
    return out.getvalue()


def test_user_add_reads_the_password_from_stdin(db):
    assert "Created the account 'olga'" in user_add("olga", "--display-name", "Olga P.")
    user = get_user_model().objects.get(username="olga")
    assert user.check_password("a long enough passphrase") and not user.is_staff
    assert profile_for(user).display_name == "Olga P."


def test_user_add_staff(db):
    assert "Created the staff account 'root2'" in user_add("root2", "--staff")
    user = get_user_model().objects.get(username="root2")
    assert user.is_staff and user.is_superuser


def test_user_add_prompts_twice_on_a_terminal(db, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["terminal passphrase 1", "terminal passphrase 1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    user_add("tina", stdin=Terminal())
    assert get_user_model().objects.get(username="tina").check_password("terminal passphrase 1")
    answers = iter(["one passphrase here", "another passphrase"])
    with pytest.raises(CommandError, match="The two passwords differ."):
        user_add("tim", stdin=Terminal())


@pytest.mark.parametrize("args,stdin,message", [
    (["Mira"], "a long enough passphrase\n", "A user named 'Mira' already exists."),
    (["olga"], "short\n", "Password refused: This password is too short"),
    (["olga"], "password123\n", "This password is too common."),
    (["olga"], "", "No password given"),
    (["bad name!"], "a long enough passphrase\n", "Username 'bad name!': Enter a valid username."),
])
def test_user_add_errors_are_clear(member, args, stdin, message):
    with pytest.raises(CommandError) as exc:
        user_add(*args, stdin=stdin)
    assert message in str(exc.value)
    assert get_user_model().objects.count() == 1


# --- staff only -------------------------------------------------------------------

def test_members_cannot_reach_the_admin_or_provider_connections(member_client, client, member):
    for url in ("/admin/", "/admin/providers/providerconnection/", "/admin/auth/user/"):
        response = member_client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    member_client.logout()
    html = client.post("/admin/login/", {"username": "mira", "password": PASSWORD}).content.decode()
    assert "staff account" in html  # the admin refuses non-staff logins


def test_staff_see_the_admin(client, staff):
    client.force_login(staff)
    assert ">Admin</a>" in client.get("/profile/").content.decode()
    assert client.get("/admin/").status_code == 200

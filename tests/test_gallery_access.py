"""Who reaches which image: the owner, a team member, someone else with a private
image, and staff, over every URL of an image, guessed ids included."""
import io
import re

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from gallery.models import Favourite, Image, Visibility
from gallery.services import image_store
from studio.models import Job, JobStatus
from tests.conftest import PASSWORD


def png_bytes(size=(16, 12), color=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_image(owner, connection, *, prompt="a quiet harbour", visibility=None, created_at=None,
               cost=None, model_id="placeholder", model_label="Offline placeholder (not AI)", data=None,
               **job_fields):
    """A stored image (real small files) made by a finished job of ``owner``."""
    fields = {"negative_prompt": "", "params": {"width": 256, "height": 256, "n": 1}, "seed": 42} | job_fields
    job = Job.objects.create(owner=owner, connection=connection, connection_name=connection.name,
                             model_id=model_id, model_label=model_label, prompt=prompt,
                             status=JobStatus.SUCCEEDED, **fields)
    image = image_store(job=job, index=0, data=data or png_bytes(), seed=job.seed)
    changes = {k: v for k, v in {"visibility": visibility, "created_at": created_at, "cost": cost}.items()
               if v is not None}
    if changes:
        Image.objects.filter(pk=image.pk).update(**changes)
        image.refresh_from_db()
    return image


def image_urls(image) -> dict[str, tuple[str, str]]:
    """Every URL of one image: name → (method, url)."""
    pk = image.pk
    return {
        "detail": ("get", reverse("image-detail", args=[pk])),
        "original": ("get", reverse("image-file", args=[pk, "original"])),
        "download": ("get", reverse("image-file", args=[pk, "original"]) + "?download=1"),
        "thumbnail": ("get", reverse("image-file", args=[pk, "thumbnail"])),
        "favourite": ("post", reverse("image-favourite", args=[pk])),
        "visibility": ("post", reverse("image-visibility", args=[pk])),
        "delete-confirm": ("get", reverse("image-delete", args=[pk])),
        "delete": ("post", reverse("image-delete", args=[pk])),
    }


POST_DATA = {"favourite": {"favourite": "1"}, "visibility": {"visibility": "team"}, "delete": {}}


def request(client, name, method, url):
    return getattr(client, method)(url, POST_DATA.get(name, {})) if method == "post" else client.get(url)


@pytest.fixture
def owner(member):
    return member  # mira


@pytest.fixture
def teammate(django_user_model):
    return django_user_model.objects.create_user("tom", password=PASSWORD)


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("olga", password=PASSWORD)


@pytest.fixture
def images(owner, other, local_connection, media_root):
    return {
        "owner_team": make_image(owner, local_connection, prompt="a team harbour"),
        "owner_private": make_image(owner, local_connection, prompt="a secret harbour",
                                    visibility=Visibility.PRIVATE),
        "other_private": make_image(other, local_connection, prompt="olga's private sketch",
                                    visibility=Visibility.PRIVATE),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def test_new_images_follow_the_profile_default_which_is_team(images):
    assert images["owner_team"].visibility == Visibility.TEAM


def test_anonymous_is_sent_to_login_from_every_image_url(client, images):
    for image in images.values():
        for name, (method, url) in image_urls(image).items():
            response = request(client, name, method, url)
            assert response.status_code == 302, (name, url)
            assert response["Location"].startswith("/accounts/login/?next="), (name, url)
    assert Image.objects.count() == 3 and not Favourite.objects.exists()


def _unmasked(html: bytes) -> bytes:
    """The page with its CSRF token blanked: Django masks the token afresh on every response."""
    return re.sub(rb'("x-csrftoken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", html)


def test_nobody_reaches_a_private_image_of_someone_else(client, owner, teammate, images):
    """Each URL of a private image answers 404 to others, exactly like an id that does not exist."""
    missing = Image.objects.order_by("-pk").first().pk + 1000
    cases = [(owner, images["other_private"]), (teammate, images["other_private"]),
             (teammate, images["owner_private"])]
    for user, image in cases:
        as_user(client, user)
        guessed = image_urls(Image(pk=missing))
        for name, (method, url) in image_urls(image).items():
            response = request(client, name, method, url)
            assert response.status_code == 404, (user, name, url)
            nonexistent = request(client, name, *guessed[name])
            assert nonexistent.status_code == 404
            assert _unmasked(response.content) == _unmasked(nonexistent.content), \
                "an invisible id must look like a missing one"
    assert Image.objects.count() == 3
    assert not Favourite.objects.exists()
    assert Image.objects.get(pk=images["owner_private"].pk).visibility == Visibility.PRIVATE


def test_a_team_member_sees_a_team_image_but_may_not_manage_it(client, teammate, images):
    image = images["owner_team"]
    as_user(client, teammate)
    urls = image_urls(image)
    for name in ("detail", "original", "download", "thumbnail"):
        assert request(client, name, *urls[name]).status_code == 200, name
    assert request(client, "favourite", *urls["favourite"]).status_code == 302
    assert Favourite.objects.filter(user=teammate, image=image).exists()
    for name in ("visibility", "delete-confirm", "delete"):
        assert request(client, name, *urls[name]).status_code == 403, name
    response = client.post(urls["visibility"][1], {"visibility": "private"})
    assert response.status_code == 403
    image.refresh_from_db()
    assert image.visibility == Visibility.TEAM


def test_the_owner_reaches_and_manages_both_of_their_images(client, owner, images):
    as_user(client, owner)
    for key in ("owner_team", "owner_private"):
        urls = image_urls(images[key])
        for name in ("detail", "original", "download", "thumbnail", "delete-confirm"):
            assert request(client, name, *urls[name]).status_code == 200, (key, name)
        for name in ("favourite", "visibility"):
            assert request(client, name, *urls[name]).status_code == 302, (key, name)


def test_the_team_detail_page_hides_owner_actions_from_others(client, teammate, images):
    as_user(client, teammate)
    page = client.get(images["owner_team"].get_absolute_url()).content.decode()
    assert "Make private" not in page and ">Delete<" not in page
    assert "Reuse" in page and "Download original" in page


def test_staff_see_and_manage_everything(client, staff, images):
    as_user(client, staff)
    image = images["other_private"]
    for name in ("detail", "original", "thumbnail", "delete-confirm"):
        assert request(client, name, *image_urls(image)[name]).status_code == 200, name
    gallery = client.get("/gallery/").content.decode()
    assert all(f'id="image-{i.pk}"' in gallery for i in images.values())
    assert client.post(reverse("image-delete", args=[image.pk])).status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()


def test_the_gallery_lists_only_what_each_person_may_see(client, owner, teammate, other, images):
    seen = {}
    for user in (owner, teammate, other):
        as_user(client, user)
        page = client.get("/gallery/").content.decode()
        seen[user.username] = {key for key, image in images.items() if f'id="image-{image.pk}"' in page}
    assert seen == {"mira": {"owner_team", "owner_private"}, "tom": {"owner_team"},
                    "olga": {"owner_team", "other_private"}}


def test_searching_or_filtering_does_not_reveal_private_images(client, teammate, images):
    as_user(client, teammate)
    for query in ("?q=secret", "?q=olga", "?person=olga", "?person=mira&scope=mine", "?scope=favourites"):
        page = client.get("/gallery/" + query).content.decode()
        assert "secret harbour" not in page and "olga&#x27;s private sketch" not in page, query
        assert 'class="tile' not in page, query


def test_a_favourite_of_an_image_made_private_later_disappears(client, owner, teammate, images):
    image = images["owner_team"]
    Favourite.objects.create(user=teammate, image=image)
    as_user(client, owner)
    client.post(reverse("image-visibility", args=[image.pk]), {"visibility": "private"})
    as_user(client, teammate)
    assert f'id="image-{image.pk}"' not in client.get("/gallery/?scope=favourites").content.decode()
    assert client.get(image.get_absolute_url()).status_code == 404


def test_changing_visibility(client, owner, teammate, images):
    image = images["owner_private"]
    as_user(client, owner)
    response = client.post(reverse("image-visibility", args=[image.pk]), {"visibility": "team"})
    assert response.status_code == 302 and response["Location"] == image.get_absolute_url()
    assert client.post(reverse("image-visibility", args=[image.pk]), {"visibility": "public"}).status_code == 400
    assert as_user(client, teammate).get(image.get_absolute_url()).status_code == 200
    assert client.get(reverse("image-visibility", args=[image.pk])).status_code == 405


def test_favourite_toggles_and_answers_htmx_with_the_button(client, teammate, images):
    image = images["owner_team"]
    url = reverse("image-favourite", args=[image.pk])
    as_user(client, teammate)
    response = client.post(url, {"favourite": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form") and 'aria-pressed="true"' in html and 'value="0"' in html
    assert Favourite.objects.filter(user=teammate, image=image).count() == 1
    client.post(url, {"favourite": "1"})  # a second click of a stale button changes nothing
    assert Favourite.objects.filter(user=teammate, image=image).count() == 1
    response = client.post(url, {"favourite": "0"}, headers={"HX-Request": "true"})
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Favourite.objects.exists()


def test_delete_asks_first_then_removes_the_row_and_both_files(client, owner, images):
    image = images["owner_team"]
    storage = image.file.storage
    paths = [image.file.name, image.thumbnail.name]
    assert all(storage.exists(p) for p in paths)
    as_user(client, owner)
    page = client.get(reverse("image-delete", args=[image.pk])).content.decode()
    assert "Delete this image? This removes the files." in page
    assert Image.objects.filter(pk=image.pk).exists(), "GET only asks"
    response = client.post(reverse("image-delete", args=[image.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("gallery")
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not any(storage.exists(p) for p in paths)
    assert client.get(image.original_url).status_code == 404


def test_delete_by_htmx_redirects_the_page_to_the_gallery(client, owner, images):
    image = images["owner_private"]
    as_user(client, owner)
    detail = client.get(image.get_absolute_url()).content.decode()
    assert 'hx-confirm="Delete this image? This removes the files."' in detail
    response = client.post(reverse("image-delete", args=[image.pk]), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("gallery")
    assert not Image.objects.filter(pk=image.pk).exists()


def test_unknown_file_variant_is_404(client, owner, images):
    as_user(client, owner)
    assert client.get(reverse("image-file", args=[images["owner_team"].pk, "secret"])).status_code == 404

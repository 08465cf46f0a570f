"""Editing end to end through the web: inputs reach the provider, access to
private images, rules named before anything is queued, lineage and metadata."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from gallery import metadata
from gallery.models import Image, ImageParent, Visibility
from gallery.services import image_delete
from studio.models import Job, JobInput, JobStatus
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.test_gallery_access import make_image
from tests.test_providers_ui import connect

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tasks_at_once(monkeypatch):
    """Run each queued job as soon as it is queued (tasks run inline in tests)."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **kw: func())


@pytest.fixture(scope="module")
def openai_fake():
    with FakeOpenAI("openai") as fake:
        yield fake


@pytest.fixture
def fake(openai_fake):
    openai_fake.reset()
    return openai_fake


@pytest.fixture
def conn(fake):
    return connect("openai", fake, "/v1", API_KEY, {})


def mask_file(size, name="mask.png"):
    out = io.BytesIO()
    PILImage.new("RGBA", size, (0, 0, 0, 255)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def edit(client, image, conn, *, model="gpt-image-2", **fields):
    data = {"prompt": "make the sky stormy", "model": f"{conn.pk}:{model}", "operation": "edit",
            "references": [image.pk], "size": "1024x1024", "n": 1, **fields}
    return client.post(reverse("image-edit", args=[image.pk]) + "?op=edit", data)


def test_an_edit_with_a_mask_reaches_openai_and_records_lineage(member_client, member, conn, fake,
                                                                  media_root):
    source = make_image(member, conn)
    response = edit(member_client, source, conn, mask=mask_file((source.width, source.height)))
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(operation="edit")
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    (call,) = fake.edits
    with source.file.open("rb") as f:
        assert call["images"] == [f.read()]
    with PILImage.open(io.BytesIO(call["mask"])) as sent_mask:
        assert sent_mask.size == (source.width, source.height)
    assert [r.role for r in JobInput.objects.filter(job=job)] == ["image", "mask"]
    child = Image.objects.get(job=job)
    link = ImageParent.objects.get(child=child)
    assert (link.parent, link.role, link.operation) == (source, "image", "edit")
    # The file says how it was made.
    with child.file.open("rb") as f:
        fields = metadata.read(f.read())
    assert fields["operation"] == "edit" and fields["inputs"][0]["id"] == source.pk
    # Both image pages show the link; the tree shows parent and child.
    assert f"Image {source.pk}" in member_client.get(child.get_absolute_url()).content.decode()
    page = member_client.get(source.get_absolute_url()).content.decode()
    assert "Made from this" in page and f"Image {child.pk}" in page
    # Reuse brings the inputs back into the tray.
    reuse = member_client.get(reverse("image-reuse", args=[child.pk]))
    assert f"references={source.pk}" in reuse["Location"] and "operation=edit" in reuse["Location"]
    compose = member_client.get(reuse["Location"]).content.decode()
    assert f'name="references" value="{source.pk}"' in compose
    tree = member_client.get(reverse("image-lineage", args=[child.pk])).content.decode()
    assert f"Image {source.pk}" in tree and f"Image {child.pk}" in tree


def test_another_members_private_image_cannot_be_an_input(client, django_user_model, member, conn,
                                                         fake, media_root):
    secret = make_image(member, conn, visibility=Visibility.PRIVATE)
    mine = make_image(member, conn)
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    client.force_login(other)
    # The edit page of the private image is a 404, like any unseen image…
    assert edit(client, secret, conn).status_code == 404
    # …and naming it as a reference by id is refused, naming the rule.
    response = edit(client, mine, conn, references=[mine.pk, secret.pk])
    assert response.status_code == 200
    assert f"Image {secret.pk} does not exist or is private to someone else" in response.content.decode()
    assert not Job.objects.exclude(operation="generate").exists() and not fake.requests


def test_a_team_image_of_someone_else_is_fine_as_a_reference(client, django_user_model, member,
                                                             conn, fake, media_root):
    shared = make_image(member, conn, visibility=Visibility.TEAM)
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    client.force_login(other)
    response = client.post(reverse("compose"), {
        "prompt": "a poster in this style", "model": f"{conn.pk}:gpt-image-2.6-flare",
        "references": [shared.pk], "size": "1024x1024", "n": 1})
    assert response.status_code == 302
    job = Job.objects.get(operation="reference")
    assert job.operation == "reference" and job.status == JobStatus.SUCCEEDED, job.error_message
    assert len(fake.edits) == 1


def test_the_rules_are_named_before_anything_is_queued(member_client, member, conn, fake,
                                                       media_root):
    images = [make_image(member, conn) for _ in range(17)]
    response = edit(member_client, images[0], conn, references=[i.pk for i in images[:16]] + [images[16].pk])
    assert "At most 16 images can be used at once" in response.content.decode()
    bfl_mask = edit(member_client, images[0], conn, mask=mask_file((images[0].width, images[0].height)),
                    model="gpt-image-2")
    assert bfl_mask.status_code == 302  # the mask fits
    wrong = edit(member_client, images[0], conn, mask=mask_file((5, 5)))
    assert "The mask must be the size of the image it applies to" in wrong.content.decode()
    assert Job.objects.exclude(operation="generate").count() == 1


def test_the_edit_page_offers_only_models_that_can_edit(member_client, member, conn, media_root):
    source = make_image(member, conn)
    page = member_client.get(reverse("image-edit", args=[source.pk]) + "?op=edit").content.decode()
    assert "gpt-image-2.6-sunburst" in page or "GPT Image 2.6" in page
    assert "data-mask-canvas" in page
    upscale = member_client.get(reverse("image-edit", args=[source.pk]) + "?op=upscale").content.decode()
    assert "No connected model can upscale" in upscale


def test_a_deleted_parent_keeps_the_chain_readable(member_client, member, conn, fake, media_root):
    source = make_image(member, conn, prompt="a lighthouse")
    edit(member_client, source, conn)
    child = Image.objects.get(job__operation="edit")
    image_delete(source)
    page = member_client.get(child.get_absolute_url()).content.decode()
    assert "deleted image" in page and "a lighthouse" in page


def test_a_retry_sends_the_same_inputs(member_client, member, conn, fake, media_root):
    source = make_image(member, conn)
    fake.push(__import__("tests.fakes.openai", fromlist=["server_error"]).openai_error(
        400, "Your request was rejected by the safety system.", code="moderation_blocked"))
    edit(member_client, source, conn)
    failed = Job.objects.get(operation="edit")
    assert failed.status == JobStatus.FAILED
    member_client.post(reverse("job-retry", args=[failed.pk]))
    retried = Job.objects.filter(operation="edit").exclude(pk=failed.pk).get()
    assert retried.operation == "edit" and retried.status == JobStatus.SUCCEEDED
    assert len(fake.edits) == 1 and fake.edits[0]["images"]


def test_restoring_a_file_from_another_studio_names_the_missing_inputs(member_client, member, conn,
                                                                      media_root):
    data = metadata.embed(make_png(), {"prompt": "stormy", "model_id": "gpt-image-2",
                                       "operation": "edit",
                                       "inputs": [{"id": 987654, "role": "image", "label": "a fox"}]})
    response = member_client.post(reverse("compose-from-file"),
                                  {"file": SimpleUploadedFile("x.png", data, "image/png")},
                                  HTTP_HX_REQUEST="true")
    assert "the edited image 987654 (a fox) is not in this studio" in response.content.decode()


def make_png():
    out = io.BytesIO()
    PILImage.new("RGB", (16, 16), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def test_a_desktop_file_dropped_on_the_tray_becomes_a_private_image(member_client, member, client,
                                                                   django_user_model, media_root):
    upload = SimpleUploadedFile("shoe.png", make_png(), content_type="image/png")
    answer = member_client.post(reverse("reference-upload"), {"file": upload}).json()
    image = Image.objects.get(pk=answer["id"])
    assert (image.owner, image.visibility, image.job) == (member, Visibility.PRIVATE, None)
    assert answer["thumbnail"] == image.thumbnail_url
    refused = member_client.post(reverse("reference-upload"),
                                 {"file": SimpleUploadedFile("x.png", b"not an image")})
    assert refused.status_code == 400 and "not an image the studio can use" in refused.json()["error"]
    # Nobody else sees it, so nobody else can use it.
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    client.force_login(other)
    assert client.get(image.thumbnail_url).status_code == 404

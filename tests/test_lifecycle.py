"""Model lifecycle: shut-down models are never offered, and old references open their replacement."""
import io
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from gallery.models import SavedPrompt
from gallery.services import image_store
from providers.catalog import spec_for
from providers.lifecycle import lifecycle_redirect, model_state, model_usable
from studio.models import Job, JobStatus

NOTE = "DALL·E 3 was shut down by OpenAI on 2026-05-12; GPT Image 2.5 Sunburst is selected instead."


def dalle_job(member, conn, **fields):
    return Job.objects.create(owner=member, connection=conn, connection_name=conn.name,
                              model_id="dall-e-3", model_label="DALL·E 3", prompt="a lighthouse",
                              params={"size": "1024x1024", "quality": "hd", "n": 1}, seed=5, **fields)


# --- the policy, against explicit dates ---------------------------------------------

def test_a_deprecated_model_counts_as_shut_down_from_its_shutdown_date():
    mini = spec_for("openai", "gpt-image-1-mini")  # deprecated, shutdown 2026-12-01
    assert model_state(spec=mini, today=date(2026, 11, 30)) == "deprecated"
    assert model_usable(spec=mini, today=date(2026, 11, 30))
    assert model_state(spec=mini, today=date(2026, 12, 1)) == "shutdown"
    assert not model_usable(spec=mini, today=date(2026, 12, 1))


def test_status_shutdown_is_never_usable_and_active_ones_are():
    assert not model_usable(spec=spec_for("openai", "dall-e-3"), today=date(2020, 1, 1))
    assert model_usable(spec=spec_for("openai", "gpt-image-2.6-sunburst"))


# --- not offered anywhere --------------------------------------------------------------

def test_shut_down_models_are_absent_from_compose_and_compare(member_client, openai_conn):
    for url in ("/", "/compare/"):
        html = member_client.get(url).content.decode()
        assert f'value="{openai_conn.pk}:gpt-image-2.6-sunburst"' in html, url
        for gone in ("dall-e-3", "dall-e-2", "gpt-image-1", "gpt-image-1.5", "chatgpt-image-latest"):
            assert f'value="{openai_conn.pk}:{gone}"' not in html, (url, gone)


def test_posting_a_shut_down_model_is_refused(member_client, openai_conn):
    response = member_client.post("/", {"prompt": "x", "model": f"{openai_conn.pk}:dall-e-3",
                                        "size": "1024x1024", "n": 1}, HTTP_HX_REQUEST="true")
    assert "Choose one of the available models." in response.content.decode()
    assert Job.objects.count() == 0


# --- old references open the replacement, with the note ------------------------------------

def test_reuse_of_an_image_made_with_a_shut_down_model(member_client, member, openai_conn, media_root):
    job = dalle_job(member, openai_conn, status=JobStatus.SUCCEEDED)
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), "navy").save(out, "PNG")
    image = image_store(job=job, index=0, data=out.getvalue(), seed=5)
    page = member_client.get(f"/gallery/images/{image.pk}/").content.decode()
    reuse = next(part.split('"')[0] for part in page.split('href="')[1:] if "seed=5" in part)
    response = member_client.get(reuse.replace("&amp;", "&"))
    form = response.context["form"]
    assert form.choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in response.content.decode()
    assert form.initial["prompt"] == "a lighthouse"


def test_a_saved_prompt_naming_a_shut_down_model(member_client, member, openai_conn):
    saved = SavedPrompt.objects.create(owner=member, name="harbour", prompt="a harbour",
                                       params={"model": f"{openai_conn.pk}:dall-e-3", "size": "1024x1024"})
    response = member_client.get(f"/prompts/saved/{saved.pk}/use/", follow=True)
    assert response.context["form"].choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in response.content.decode()


def test_a_restored_file_naming_a_shut_down_model(member_client, member, openai_conn, media_root):
    job = dalle_job(member, openai_conn, status=JobStatus.SUCCEEDED)
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), "teal").save(out, "PNG")
    data = image_store(job=job, index=0, data=out.getvalue(), seed=5).file.read()
    response = member_client.post("/compose/from-file/",
                                  {"file": SimpleUploadedFile("a.png", data, content_type="image/png")},
                                  HTTP_HX_REQUEST="true")
    assert response.context["form"].choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in response.content.decode()


def test_retry_of_a_job_on_a_shut_down_model_opens_compose(member_client, member, openai_conn):
    job = dalle_job(member, openai_conn, status=JobStatus.FAILED)
    response = member_client.post(f"/jobs/{job.pk}/retry/", HTTP_HX_REQUEST="true")
    target = response["HX-Redirect"]
    assert parse_qs(urlsplit(target).query)["model"] == [f"{openai_conn.pk}:dall-e-3"]
    page = member_client.get(target)
    assert page.context["form"].choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in page.content.decode()
    assert Job.objects.count() == 1  # no job was queued for a model that is gone


def test_no_usable_replacement_says_to_pick_another(openai_conn):
    openai_conn.enabled_models = ["gpt-image-2"]  # the replacement is not offered here
    openai_conn.save()
    redirect = lifecycle_redirect(key=f"{openai_conn.pk}:dall-e-3")
    assert redirect.key is None
    assert redirect.note == "DALL·E 3 was shut down by OpenAI on 2026-05-12; pick another model."


def test_a_usable_model_is_not_redirected(openai_conn):
    assert lifecycle_redirect(key=f"{openai_conn.pk}:gpt-image-2") is None


def test_a_restored_file_without_htmx_lands_on_compose_with_the_note(member_client, member, openai_conn,
                                                                     media_root):
    job = dalle_job(member, openai_conn, status=JobStatus.SUCCEEDED)
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), "teal").save(out, "PNG")
    data = image_store(job=job, index=0, data=out.getvalue(), seed=5).file.read()
    response = member_client.post("/compose/from-file/",
                                  {"file": SimpleUploadedFile("a.png", data, content_type="image/png")},
                                  follow=True)
    assert response.context["form"].choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in response.content.decode()

"""Gemini, fal, Replicate, Azure OpenAI and OpenRouter generate through the compose form.

Each adds a connection, composes through the web form with tasks inline, and
finds the stored image; the provider's request is the one the form asked for.
"""
import io

import pytest

from gallery.models import Image
from providers.schema_models import connection_schema_model_add
from studio.models import JobStatus
from tests.fakes import azure, fal, gemini, openrouter, replicate
from tests.test_providers_ui import assert_stored, connect, run_compose  # noqa: F401  (a fixture)

FAST_POLLS = {"poll_interval": 0.01, "poll_timeout": 10}

# kind, fake factory, base-url suffix, key, model id, form fields, options, what the provider got
CASES = [
    ("gemini", gemini.FakeGemini, "", gemini.API_KEY, "gemini-nano-banana-2.1",
     {"aspect_ratio": "16:9", "image_size": "2K"}, {},
     lambda f: f.generations[0].json["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "2K"}),
    ("openrouter", openrouter.FakeOpenRouter, "/api/v1", openrouter.API_KEY, "google/gemini-3-pro-image",
     {"aspect_ratio": "4:3", "image_size": "1K"}, {},
     lambda f: f.chats[0].json["image_config"] == {"aspect_ratio": "4:3", "image_size": "1K"}),
    ("fal", fal.FakeFal, "", fal.API_KEY, "fal-ai/nano-banana-2",
     {"aspect_ratio": "1:1", "n": 2, "resolution": "1K"}, FAST_POLLS,
     lambda f: f.submits[0].json["num_images"] == 2),
    ("replicate", replicate.FakeReplicate, "", replicate.API_KEY, "google/nano-banana-2",
     {"aspect_ratio": "16:9", "output_format": "png"}, FAST_POLLS,
     lambda f: f.creates[0].json["input"]["aspect_ratio"] == "16:9"),
    ("azure-openai", azure.FakeAzure, "", azure.API_KEY, "gpt-image-2",
     {"width": 1024, "height": 1024, "quality": "low", "output_format": "png"},
     {"deployments": {"gpt-image-2": "img2-prod"}},
     lambda f: f.requests[0].path == "/openai/deployments/img2-prod/images/generations"),
]


@pytest.mark.parametrize("kind,make_fake,suffix,key,model_id,fields,options,sent", CASES,
                         ids=[c[0] for c in CASES])
def test_new_provider_generates_through_the_ui(run_compose, kind, make_fake, suffix, key, model_id,  # noqa: F811
                                               fields, options, sent):
    with make_fake() as fake:
        conn = connect(kind, fake, suffix, key, options)
        job = run_compose(conn, model_id, fields)
        assert_stored(job, fields.get("n", 1))
        assert sent(fake)


def test_a_replicate_model_added_by_name_gets_its_schemas_fields(run_compose, member_client):  # noqa: F811
    with replicate.FakeReplicate() as fake:
        conn = connect("replicate", fake, "", replicate.API_KEY, FAST_POLLS)
        entry = connection_schema_model_add(connection=conn, model_id="acme/pixel-sdxl")
        assert entry["size"] == {"type": "range", "min": 256, "max": 1536, "default": [1024, 768]}
        assert entry["inputs"] == {"max_images": 1, "mask": True, "strength": True,
                                   "operations": ["edit", "inpaint"]}
        assert "replicate_weights" in entry["params"] and "disable_safety_checker" in entry["params"]
        html = member_client.get("/").content.decode()
        assert f'value="{conn.pk}:acme/pixel-sdxl"' in html
        job = run_compose(conn, "acme/pixel-sdxl",
                          {"width": 768, "height": 512, "n": 2, "scheduler": "DDIM",
                           "num_inference_steps": 20, "guidance_scale": 5})
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        assert Image.objects.filter(job=job).count() == 2
        sent = fake.creates[0].json["input"]
        assert {k: sent[k] for k in ("width", "height", "num_outputs", "scheduler",
                                     "num_inference_steps", "guidance_scale")} == {
            "width": 768, "height": 512, "num_outputs": 2, "scheduler": "DDIM",
            "num_inference_steps": 20, "guidance_scale": 5.0}


def test_a_schema_field_out_of_range_is_refused_by_the_form(member_client, run_compose):  # noqa: F811
    with replicate.FakeReplicate() as fake:
        conn = connect("replicate", fake, "", replicate.API_KEY, FAST_POLLS)
        connection_schema_model_add(connection=conn, model_id="acme/pixel-sdxl")
        response = member_client.post("/", {"prompt": "x", "model": f"{conn.pk}:acme/pixel-sdxl",
                                             "n": 1, "width": 1024, "height": 768,
                                             "num_inference_steps": 80}, HTTP_HX_REQUEST="true")
        assert "must be between 1 and 50" in response.content.decode()
        assert not fake.creates


def test_imagen_is_not_offered(member_client):
    with gemini.FakeGemini() as fake:
        conn = connect("gemini", fake, "", gemini.API_KEY, {})
        html = member_client.get("/").content.decode()
        assert f'value="{conn.pk}:gemini-nano-banana-2.1"' in html
        assert "imagen-4.0" not in html


def test_a_gemini_refusal_reads_as_one(run_compose):  # noqa: F811
    with gemini.FakeGemini() as fake:
        conn = connect("gemini", fake, "", gemini.API_KEY, {})
        job = run_compose(conn, "gemini-nano-banana-2.1", {"aspect_ratio": "1:1"},
                          prompt="something forbidden")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message.startswith("The provider refused this prompt")


def test_a_fal_edit_model_takes_the_upload_as_a_data_uri(run_compose):  # noqa: F811
    from tests.fakes.base import png_bytes

    with fal.FakeFal() as fake:
        conn = connect("fal", fake, "", fal.API_KEY, FAST_POLLS)
        upload = io.BytesIO(png_bytes(64, 64))
        upload.name = "photo.png"
        job = run_compose(conn, "fal-ai/nano-banana-2/edit", {"aspect_ratio": "1:1"},
                          {"input_image": upload}, prompt="make it winter")
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        sent = fake.submits[0].json
        assert sent["prompt"] == "make it winter"
        assert [u[:22] for u in sent["image_urls"]] == ["data:image/png;base64,"]

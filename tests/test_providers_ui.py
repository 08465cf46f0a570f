"""Each adapter generates through the compose form against its loopback fake."""
import io

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from providers.models import ProviderConnection
from studio.models import Job, JobStatus
from tests.fakes import a1111, ai302, aithriving, bfl, comfyui, openai, stability
from tests.fakes.base import png_bytes

FAST_POLLS = {"poll_interval": 0.01, "poll_timeout": 10}

# kind, fake factory, base-url suffix, key, model id, form fields, options
CASES = [
    ("openai", lambda: openai.FakeOpenAI("openai"), "/v1", openai.API_KEY, "gpt-image-2.6-sunburst",
     {"width": 1536, "height": 1024, "quality": "high", "complexity": "low"}, {}),
    ("openai", lambda: openai.FakeOpenAI("openai"), "/v1", openai.API_KEY, "gpt-image-2",
     {"width": 1024, "height": 1024, "quality": "low", "output_format": "png"}, {}),
    ("apiyi", lambda: openai.FakeOpenAI("apiyi"), "/v1", openai.API_KEY, "flux-2-flex",
     {"width": 1024, "height": 768, "steps": 20, "guidance": 4.5}, {}),
    ("apipie", lambda: openai.FakeOpenAI("apipie"), "/v1", openai.API_KEY, "stable-diffusion-3",
     {"size": "1024x1024"}, {"provider": "stability"}),
    ("aigc", lambda: openai.FakeOpenAI("aigc"), "/v1", openai.API_KEY, "flux-dev",
     {"width": 768, "height": 512, "negative_prompt": "blurry"}, {}),
    ("aithriving", aithriving.FakeAithriving, "", aithriving.FakeAithriving.api_key, "stable-diffusion-v1-6",
     {"width": 512, "height": 512, "steps": 20}, {}),
    ("ai302", ai302.Fake302, "", ai302.Fake302.api_key, "cogview-4-t2i", {"size": "1024x1024"}, {}),
    ("bfl", bfl.FakeBFL, "", bfl.API_KEY, "flux-pro-1.1", {"width": 1024, "height": 768}, FAST_POLLS),
    ("stability", stability.FakeStability, "", stability.API_KEY, "core", {"aspect_ratio": "16:9"}, {}),
    # Self-hosted servers: the model is the first checkpoint the server lists.
    ("a1111", a1111.FakeA1111, "", "", None, {"width": 512, "height": 512, "n": 2}, FAST_POLLS),
    ("comfyui", comfyui.FakeComfyUI, "", "", None, {"width": 512, "height": 512}, FAST_POLLS),
]


@pytest.fixture
def run_compose(member_client, media_root, django_capture_on_commit_callbacks):
    def run(conn, model_id, fields, files=None, prompt="a lighthouse at dusk"):
        data = {"prompt": prompt, "model": f"{conn.pk}:{model_id}", "n": 1, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = member_client.post("/", {**data, **(files or {})}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert 'class="error"' not in response.content.decode(), response.content.decode()
        return Job.objects.latest("id")
    return run


def connect(kind, fake, suffix, key, options):
    conn = ProviderConnection(kind=kind, name=f"{kind} test", base_url=fake.url + suffix,
                              options=options, enabled=True)
    conn.set_api_key(key)
    if kind in ("a1111", "comfyui"):
        from providers.registry import adapter_class

        conn.discovered_models = adapter_class(kind)(conn.as_connection()).list_models()
    conn.save()
    return conn


def assert_stored(job, n: int) -> None:
    """The job succeeded with ``n`` gallery images, each file the size its row says."""
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    images = Image.objects.filter(job=job)
    assert images.count() == n
    for image in images:
        assert PILImage.open(io.BytesIO(image.file.read())).size == (image.width, image.height)


@pytest.mark.parametrize("kind,make_fake,suffix,key,model_id,fields,options", CASES,
                         ids=[f"{c[0]}-{c[4] or 'checkpoint'}" for c in CASES])
def test_generates_through_the_ui(run_compose, kind, make_fake, suffix, key, model_id, fields, options):
    with make_fake() as fake:
        conn = connect(kind, fake, suffix, key, options)
        job = run_compose(conn, model_id or conn.discovered_models[0], fields)
        assert_stored(job, fields.get("n", 1))
        # What the provider was sent never includes a field the form did not offer.
        assert fake.requests, "the fake saw no request"


def test_provider_urls_are_downloaded_and_never_kept(run_compose, member_client):
    with bfl.FakeBFL() as fake:
        conn = connect("bfl", fake, "", bfl.API_KEY, FAST_POLLS)
        job = run_compose(conn, "flux-pro-1.1", {"width": 1024, "height": 768})
        image = Image.objects.get(job=job)
        page = member_client.get(image.get_absolute_url()).content.decode()
        card = member_client.get(f"/jobs/{job.pk}/card/").content.decode()
        for html in (page, card):
            assert fake.url not in html and "/files/" not in html
        fake.expire_files()  # the provider's URL is dead; ours still serves the file
        assert member_client.get(image.original_url).status_code == 200


def test_image_to_image_model_takes_an_upload(run_compose):
    with ai302.Fake302() as fake:
        conn = connect("ai302", fake, "", ai302.Fake302.api_key, {})
        upload = io.BytesIO(png_bytes(64, 64))
        upload.name = "sketch.png"
        job = run_compose(conn, "stable-sd3-i2i", {"size": "auto"}, {"input_image": upload})
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        sent = fake.requests[-2].json if fake.requests[-1].method == "GET" else fake.requests[-1].json
        assert sent["image"].startswith("data:image/png;base64,")


def test_image_to_image_model_without_an_upload_says_so(member_client, media_root):
    with ai302.Fake302() as fake:
        conn = connect("ai302", fake, "", ai302.Fake302.api_key, {})
        response = member_client.post("/", {"prompt": "x", "model": f"{conn.pk}:stable-sd3-i2i", "n": 1},
                                      HTTP_HX_REQUEST="true")
        assert "This model needs an input image" in response.content.decode()
        assert not fake.requests and Job.objects.count() == 0


def test_a_refusal_reads_as_one(run_compose):
    with openai.FakeOpenAI("openai") as fake:
        conn = connect("openai", fake, "/v1", openai.API_KEY, {})
        job = run_compose(conn, "gpt-image-2", {"width": 1024, "height": 1024},
                          prompt=f"something {openai.MODERATION_WORD}")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message.startswith("The provider refused this prompt:")
    assert not Image.objects.exists()


def test_members_see_only_enabled_models_of_enabled_connections(member_client):
    with openai.FakeOpenAI("openai") as fake:
        conn = connect("openai", fake, "/v1", openai.API_KEY, {})
        conn.enabled_models = ["gpt-image-2"]
        conn.save()
        html = member_client.get("/").content.decode()
        assert f'value="{conn.pk}:gpt-image-2"' in html
        assert f'value="{conn.pk}:gpt-image-2.5-flare"' not in html
        conn.enabled = False
        conn.save()
        assert f'value="{conn.pk}:' not in member_client.get("/").content.decode()

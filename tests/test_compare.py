"""Compare: one prompt and seed, adapted to several models, run side by side."""
import pytest

from providers.catalog import models_for, spec_for, template_for
from providers.models import ProviderConnection
from providers.registry import KINDS
from providers.rules import SEED_MAX, ModelSpec
from studio.compare import adapt
from studio.models import Budget, Job, JobStatus
from tests.fakes import openai

WANTED = {"prompt": "a lighthouse at dusk", "negative_prompt": "", "seed": 42,
          "width": 1024, "height": 1024, "steps": None, "guidance": None}


def wanted(**changes):
    return WANTED | changes


# --- adapt ----------------------------------------------------------------------

def test_a_parameter_the_model_does_not_take_is_dropped_with_a_note():
    values, notes = adapt(spec_for("openai", "dall-e-3"),
                          wanted(negative_prompt="blurry", steps=30, guidance=7.5))
    assert "negative_prompt" not in values and "steps" not in values and "guidance" not in values
    assert notes == ["Negative prompt dropped: DALL·E 3 does not take it",
                     "Seed dropped: DALL·E 3 does not take it",
                     "Steps dropped: DALL·E 3 does not take them",
                     "Guidance dropped: DALL·E 3 does not take it"]


def test_a_size_from_a_list_becomes_the_nearest_one():
    values, notes = adapt(spec_for("openai", "dall-e-3"), wanted(width=1000, height=1000))
    assert values["size"] == "1024x1024"
    assert "Size 1000×1000 became 1024×1024, the nearest DALL·E 3 allows" in notes


def test_a_size_the_list_holds_is_kept_without_a_note():
    values, notes = adapt(spec_for("openai", "dall-e-3"), wanted(width=1792, height=1024))
    assert values["size"] == "1792x1024"
    assert not any(note.startswith("Size") for note in notes)


def test_a_free_size_becomes_the_nearest_multiple():
    values, notes = adapt(spec_for("local", "placeholder"), wanted(width=1001, height=1000))
    assert (values["width"], values["height"]) == (1000, 1000)
    assert notes == ["Size 1001×1000 became 1000×1000, the nearest Offline placeholder (not AI) allows"]


def test_a_size_becomes_the_nearest_aspect_ratio():
    values, notes = adapt(spec_for("stability", "core"), wanted(width=1920, height=1080))
    assert values["aspect_ratio"] == "16:9" and "width" not in values
    assert notes == ["Size 1920×1080 became aspect ratio 16:9, the nearest Stable Image Core allows"]


def test_a_shape_too_long_is_cut_to_the_longest_allowed():
    spec = spec_for("openai", "gpt-image-2")  # at most 3:1
    values, notes = adapt(spec, wanted(width=3840, height=480, seed=None))
    assert values["width"] / values["height"] <= 3 and not spec.check(values)
    assert notes == [f"Size 3840×480 became {values['width']}×{values['height']}, "
                     "the nearest GPT Image 2 allows"]


def test_a_list_without_a_concrete_size_uses_its_default():
    spec = ModelSpec.from_dict({"id": "m", "label": "Auto only", "size": {"type": "list", "sizes": ["auto"]}})
    values, notes = adapt(spec, wanted(width=1000, height=1000, seed=None))
    assert values["size"] == "auto"
    assert notes == ["Size 1000×1000 became auto: Auto only takes no exact size"]


def test_values_outside_a_range_are_clamped_with_a_note():
    values, notes = adapt(spec_for("aigc", "flux-schnell"), wanted(steps=30, guidance=0.5))
    assert values["steps"] == 4 and values["guidance"] == 1
    assert notes == ["Steps 30 became 4, the most FLUX Schnell (AIGC) allows",
                     "Guidance 0.5 became 1, the least FLUX Schnell (AIGC) allows"]


def test_a_whole_number_parameter_is_rounded_with_a_note():
    values, notes = adapt(spec_for("aithriving", "stable-diffusion-v1-6"),
                          wanted(width=512, height=512, guidance=7.5))
    assert values["guidance"] == 8
    assert notes == ["Guidance 7.5 became 8: Stable Diffusion 1.6 (aithriving) takes whole numbers"]


def test_the_seed_is_kept_where_the_model_takes_it():
    values, notes = adapt(spec_for("local", "placeholder"), wanted(width=768, height=768, seed=SEED_MAX))
    assert values["seed"] == SEED_MAX and notes == []
    values, notes = adapt(spec_for("stability", "core"), wanted(seed=SEED_MAX))
    assert values["seed"] == SEED_MAX - 1
    assert f"Seed {SEED_MAX} became {SEED_MAX - 1}, the most Stable Image Core allows" in notes


def test_a_prompt_too_long_is_shortened_with_a_note():
    values, notes = adapt(spec_for("openai", "dall-e-2"), wanted(prompt="x" * 1500))
    assert len(values["prompt"]) == 1000 and values["n"] == 1
    assert "Prompt shortened to 1000 characters, the most DALL·E 2 takes" in notes


def _all_specs():
    for kind in KINDS:
        specs = list(models_for(kind))
        if template := template_for(kind):
            specs.append(template)
        yield from (s for s in specs if not s.needs_image)


ODD_REQUESTS = [
    wanted(),
    wanted(width=1000, height=1000, negative_prompt="blurry", steps=30, guidance=7.5),
    wanted(width=1920, height=1080, steps=1, guidance=0.0, seed=SEED_MAX),
    wanted(width=4096, height=512, steps=500, guidance=100.0, seed=0),
    wanted(width=512, height=4096, negative_prompt="n" * 12000, prompt="p" * 40000),
    wanted(width=64, height=64, guidance=2.25),
    wanted(width=4096, height=4096, steps=75, seed=None),
]


@pytest.mark.parametrize("spec", list(_all_specs()), ids=lambda s: f"{s.kind}-{s.id}")
def test_every_model_accepts_what_adapt_makes_of_any_request(spec):
    for request in ODD_REQUESTS:
        values, notes = adapt(spec, request)
        assert spec.check(values) == [], (request, values, notes)
        assert all(isinstance(note, str) and note for note in notes)


# --- the compare page -----------------------------------------------------------

def connect(kind, base_url="http://127.0.0.1:9/v1", key=openai.API_KEY, name=None):
    conn = ProviderConnection(kind=kind, name=name or f"{kind} test", base_url=base_url, enabled=True)
    conn.set_api_key(key)
    conn.save()
    return conn


def post(client, models, htmx=True, **fields):
    data = {"prompt": "a lighthouse at dusk", "width": 1000, "height": 1000, "models": models, **fields}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post("/compare/", data, **extra)


def test_the_form_offers_enabled_text_to_image_models(member_client, local_connection):
    conn = connect("ai302", name="302 test")
    off = connect("openai", name="Switched off")
    off.enabled = False
    off.save()
    html = member_client.get("/compare/").content.decode()
    for label in ("Prompt", "Negative prompt", "Seed", "Width", "Height", "Steps", "Guidance"):
        assert f">{label}</label>" in html, label
    assert '<strong>Offline renderer</strong>' in html and "<span>Offline placeholder (not AI) (placeholder)</span>" in html
    assert f'value="{conn.pk}:cogview-4-t2i"' in html
    assert f'value="{conn.pk}:dall-e-3-t2i"' not in html  # shut down by OpenAI
    assert f'value="{conn.pk}:stable-sd3-i2i"' not in html  # needs an upload
    assert f'value="{off.pk}:' not in html
    assert "Choose between 2 and 8 models" in html


@pytest.mark.parametrize("count", [1, 9])
def test_between_two_and_eight_models(member_client, local_connection, count):
    conn = connect("openai")  # eight text-to-image models, plus the offline one
    keys = [f"{local_connection.pk}:placeholder"] + [f"{conn.pk}:{s.id}" for s in conn.specs()]
    assert len(keys) == 9
    response = post(member_client, keys[:count])
    html = response.content.decode()
    section = html.split('id="field-models"', 1)[1]
    assert "Choose between 2 and 8 models" in section.split("</fieldset>", 1)[0]
    assert 'class="error"' in html and Job.objects.count() == 0


def test_one_job_per_model_sharing_a_group_and_a_seed(member_client, member, local_connection):
    aigc, openai_conn = connect("aigc"), connect("openai")
    models = [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev", f"{openai_conn.pk}:gpt-image-2"]
    response = post(member_client, models, negative_prompt="blurry", steps=80)
    jobs = list(Job.objects.order_by("id"))
    assert len(jobs) == 3 and response.status_code == 200
    group = jobs[0].group
    assert group and all(job.group == group and job.owner == member for job in jobs)
    assert response["HX-Redirect"] == f"/compare/{group}/"
    local, flux, dalle = jobs
    assert local.seed is not None and flux.seed == local.seed  # blank: one random seed for all
    assert dalle.seed is None and "Seed dropped: GPT Image 2 does not take it" in dalle.notes
    assert flux.params["steps"] == 50 and "Steps 80 became 50, the most FLUX Dev (AIGC) allows" in flux.notes
    assert (flux.params["width"], flux.params["height"]) == (1000, 1000)
    assert (dalle.params["width"], dalle.params["height"]) == (992, 992)  # multiples of 16
    assert dalle.negative_prompt == ""

    page = member_client.get(f"/compare/{group}/").content.decode()
    for job in jobs:
        assert f'id="job-{job.pk}"' in page and job.model_label in page
    assert "Steps 80 became 50, the most FLUX Dev (AIGC) allows" in page
    assert "Negative prompt dropped: GPT Image 2 does not take it" in page
    assert 'class="cost"' not in page  # no cost known yet
    Job.objects.filter(pk=dalle.pk).update(cost="0.04")
    assert "$0.04</span>" in member_client.get(f"/compare/{group}/").content.decode()


def test_a_given_seed_goes_to_every_model(member_client, local_connection):
    aigc = connect("aigc")
    response = post(member_client, [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"],
                    htmx=False, seed=1234)
    group = Job.objects.first().group
    assert response.status_code == 302 and response["Location"] == f"/compare/{group}/"
    assert [job.seed for job in Job.objects.all()] == [1234, 1234]


def test_a_budget_refusal_is_shown_and_creates_nothing(member_client, member, local_connection):
    Budget.objects.create(user=member, monthly_images=1)
    aigc = connect("aigc")
    html = post(member_client, [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"]).content.decode()
    assert "This would go over your monthly image quota" in html
    assert Job.objects.count() == 0


def test_across_providers_one_fails_and_the_others_succeed(
        member_client, local_connection, media_root, django_capture_on_commit_callbacks):
    with openai.FakeOpenAI("openai") as bad, openai.FakeOpenAI("aigc") as good:
        wrong = connect("openai", base_url=bad.base_url, key="sk-wrong-key-0000", name="OpenAI")
        gateway = connect("aigc", base_url=good.base_url, name="Gateway")
        models = [f"{local_connection.pk}:placeholder", f"{wrong.pk}:gpt-image-2", f"{gateway.pk}:flux-dev"]
        with django_capture_on_commit_callbacks(execute=True):
            response = post(member_client, models, negative_prompt="blurry", guidance=7.5)
        assert response.status_code == 200
    local, dalle, flux = Job.objects.order_by("id")
    assert local.status == JobStatus.SUCCEEDED, local.error_message
    assert flux.status == JobStatus.SUCCEEDED, flux.error_message
    assert dalle.status == JobStatus.FAILED and dalle.error_message
    assert local.images.count() == 1 and flux.images.count() == 1 and not dalle.images.exists()
    sent = next(r.json for r in good.requests if r.method == "POST")
    assert sent["negative_prompt"] == "blurry" and sent["guidance_scale"] == 7.5
    page = member_client.get(f"/compare/{local.group}/").content.decode()
    assert page.count('data-status="succeeded"') == 2 and page.count('data-status="failed"') == 1
    assert "Negative prompt dropped: GPT Image 2 does not take it" in page


def test_team_members_open_a_compare_link(client, member_client, local_connection, staff, django_user_model):
    aigc = connect("aigc")
    post(member_client, [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"])
    url = f"/compare/{Job.objects.first().group}/"
    assert member_client.get(url).status_code == 200
    other = django_user_model.objects.create_user("otto", password="x")
    client.force_login(other)
    assert client.get(url).status_code == 200, "a teammate opening the link sees the compare"
    assert client.get("/compare/00000000-0000-0000-0000-000000000000/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302, "someone signed out is sent to log in"
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_a_teammate_sees_running_compare_cards_without_polls_or_buttons_they_cannot_use(
        client, member_client, member, local_connection, django_user_model):
    from django.utils import timezone

    post(member_client, [f"{local_connection.pk}:placeholder", f"{local_connection.pk}:placeholder"])
    group = Job.objects.first().group
    Job.objects.filter(group=group).update(status="running", finished_at=None, started_at=timezone.now())
    own = member_client.get(f"/compare/{group}/").content.decode()
    assert "hx-trigger=\"every 1s\"" in own and ">Cancel<" in own
    other = django_user_model.objects.create_user("otto", password="x")
    client.force_login(other)
    page = client.get(f"/compare/{group}/").content.decode()
    assert "hx-trigger=\"every 1s\"" not in page, "a teammate's card would poll a 404 every second"
    assert ">Cancel<" not in page

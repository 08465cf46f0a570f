"""The A1111 / Forge adapter against a fake `--api` server over real HTTP."""
from __future__ import annotations

import base64
import io
import threading
import time
from dataclasses import replace

import pytest
from PIL import Image

from providers.a1111 import A1111Adapter
from providers.base import CancelledError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import models_for, spec_for, template_for
from providers.rules import SizeRange

SAMPLERS = template_for("a1111").params["sampler"].choices  # the catalog data's list
from tests.fakes.a1111 import FakeA1111, oom_reply
from tests.fakes.base import Reply

SD15 = "v1-5-pruned-emaonly.safetensors [6ce0161689]"
SDXL = "SDXL/sd_xl_base_1.0.safetensors [31e35c80fc]"
PASSWORD = "s3cret-pass-word"
# Canned replies are for the render: the progress poller running beside it must not take them.
RENDER = {"method": "POST", "path": "/sdapi/v1/txt2img"}


@pytest.fixture
def fake():
    with FakeA1111() as server:
        yield server
        server.interrupted.set()  # release a txt2img still blocking


def adapter(fake, client, **options) -> A1111Adapter:
    options.setdefault("poll_interval", 0.02)
    return A1111Adapter(Connection("a1111", fake.url, "", options), client)


def make_request(**fields) -> GenerationRequest:
    values = {"prompt": "a red fox in snow", "model": SD15, "width": 512, "height": 768}
    values.update(fields)
    return GenerationRequest(**values)


def generate(fake, client, hooks=None, spec=None, options=None, **fields):
    request = make_request(**fields)
    spec = spec or spec_for("a1111", request.model)
    return adapter(fake, client, **(options or {})).generate(request, spec, hooks or Hooks())


def txt2img_calls(fake):
    return [r for r in fake.requests if r.path == "/sdapi/v1/txt2img"]


def error_of(call) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call()
    return caught.value


# --- the request -------------------------------------------------------------------

def test_every_chosen_field_is_sent_under_its_wire_name(fake, client):
    generate(fake, client, negative_prompt="blurry", seed=42, steps=25, guidance=6.5,
             sampler="DPM++ 2M Karras", n=2)
    (sent,) = txt2img_calls(fake)
    assert sent.method == "POST"
    assert sent.headers["content-type"] == "application/json"
    assert "authorization" not in sent.headers
    body = dict(sent.json)
    assert body.pop("force_task_id").startswith("task(studio-")  # names our task in A1111's queue
    assert body == {
        "prompt": "a red fox in snow", "negative_prompt": "blurry", "width": 512, "height": 768,
        "seed": 42, "steps": 25, "cfg_scale": 6.5, "sampler_name": "DPM++ 2M Karras",
        "batch_size": 2, "n_iter": 1, "override_settings": {"sd_model_checkpoint": SD15},
        "override_settings_restore_afterwards": True, "send_images": True, "save_images": False,
    }


def test_unchosen_fields_are_left_to_the_server(fake, client):
    result = generate(fake, client)
    body = txt2img_calls(fake)[0].json
    assert set(body) == {"prompt", "width", "height", "batch_size", "n_iter", "override_settings",
                         "override_settings_restore_afterwards", "send_images", "save_images",
                         "force_task_id"}
    assert isinstance(result.images[0].seed, int)  # the server's random seed, from info.all_seeds


def test_a_field_the_spec_does_not_declare_is_never_sent(fake, client):
    spec = spec_for("a1111", SD15)
    narrow = replace(spec, params={k: v for k, v in spec.params.items() if k != "sampler"})
    generate(fake, client, spec=narrow, sampler="Euler a", steps=10)
    body = txt2img_calls(fake)[0].json
    assert "sampler_name" not in body and body["steps"] == 10


def test_the_checkpoint_is_chosen_per_request(fake, client):
    generate(fake, client, model=SDXL)
    assert fake.loaded == SDXL


# --- the response ------------------------------------------------------------------

def test_images_are_decoded_with_their_own_seeds(fake, client):
    result = generate(fake, client, seed=1000, n=3, width=640, height=384)
    assert [image.seed for image in result.images] == [1000, 1001, 1002]
    for image in result.images:
        assert image.url is None
        assert Image.open(io.BytesIO(image.data)).size == (640, 384)


def test_a_prepended_grid_is_skipped(fake, client):
    fake.return_grid = True
    result = generate(fake, client, seed=7, n=2, width=256, height=256)
    assert [Image.open(io.BytesIO(i.data)).size for i in result.images] == [(256, 256)] * 2
    assert [i.seed for i in result.images] == [7, 8]


def test_a_data_url_prefix_is_tolerated(fake, client):
    png = base64.b64encode(_png()).decode()
    fake.push(Reply(200, {"images": [f"data:image/png;base64,{png}"], "parameters": {}, "info": "{}"}), **RENDER)
    assert generate(fake, client).images[0].data == _png()


def test_a_body_without_images_is_a_permanent_error(fake, client):
    fake.push(Reply(200, {"images": [], "parameters": {}, "info": "{}"}), **RENDER)
    error = error_of(lambda: generate(fake, client))
    assert error.permanent and error.code == "bad_response"


def test_bad_base64_is_a_permanent_error(fake, client):
    fake.push(Reply(200, {"images": ["not base64 at all!"], "parameters": {}, "info": "{}"}), **RENDER)
    assert error_of(lambda: generate(fake, client)).permanent


def test_an_html_page_instead_of_json_is_worth_a_retry(fake, client):
    fake.push(Reply(200, "<html><body>502 Bad Gateway</body></html>"), **RENDER)
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.code == "bad_response"


# --- errors ------------------------------------------------------------------------

def test_basic_auth_is_sent_when_configured(fake, client):
    fake.credentials = ("alice", PASSWORD)
    generate(fake, client, options={"username": "alice", "password": PASSWORD})
    expected = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert txt2img_calls(fake)[0].headers["authorization"] == f"Basic {expected}"


def test_a_wrong_password_is_permanent_and_never_shown(fake, client):
    fake.credentials = ("alice", "the-right-one")
    error = error_of(lambda: generate(fake, client, options={"username": "alice", "password": PASSWORD}))
    assert error.permanent and error.status == 401 and error.code == "auth"
    assert "Incorrect username or password" in str(error)
    assert PASSWORD not in str(error)


def test_a_password_echoed_by_the_server_is_redacted(fake, client):
    fake.push(Reply(500, {"error": "RuntimeError", "detail": f"login {PASSWORD} failed", "body": "",
                          "errors": "boom"}), **RENDER)
    error = error_of(lambda: generate(fake, client, options={"username": "a", "password": PASSWORD}))
    assert PASSWORD not in str(error) and "RuntimeError: login *** failed" in str(error)


def test_validation_errors_name_the_field(fake, client):
    error = error_of(lambda: generate(fake, client, width="wide"))
    assert error.permanent and error.status == 422
    assert "width: value is not a valid integer" in str(error)


def test_an_unknown_sampler_is_permanent_without_the_api_hint(fake, client):
    error = error_of(lambda: generate(fake, client, sampler="Nonexistent"))
    assert error.permanent and error.status == 404
    assert "Sampler not found" in str(error) and "--api" not in str(error)


def test_a_server_without_api_says_so(fake, client):
    fake.api_enabled = False
    for call in (lambda: generate(fake, client), adapter(fake, client).check):
        error = error_of(call)
        assert error.permanent and error.status == 404 and error.code == "no_api"
        assert "Is the server started with --api?" in str(error)


def test_out_of_memory_is_worth_a_retry(fake, client):
    fake.push(oom_reply(), **RENDER)
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.status == 500
    assert "OutOfMemoryError: CUDA out of memory" in str(error)


def test_rate_limiting_proxy_gives_retry_after(fake, client):
    fake.push(Reply(429, {"detail": "Too many requests"}, {"Retry-After": "7"}), **RENDER)
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.retry_after == 7 and "Too many requests" in str(error)


def test_an_unreachable_server_is_worth_a_retry(client):
    with FakeA1111() as gone:
        url = gone.url
    error = error_of(lambda: A1111Adapter(Connection("a1111", url), client).check())
    assert not error.permanent and error.code == "connect"


# --- progress and cancel -------------------------------------------------------------

def test_progress_is_reported_while_the_render_blocks(fake, client):
    fake.render_seconds = 0.3
    seen = []
    generate(fake, client, hooks=Hooks(progress=seen.append))
    assert seen and all(0 < f < 1 for f in seen) and seen == sorted(seen)
    assert any(r.path == "/internal/progress" for r in fake.requests)


def test_cancel_interrupts_the_server_and_stops_the_thread(fake, client):
    fake.render_seconds = 5
    progress = []
    hooks = Hooks(progress=progress.append, cancelled=lambda: len(progress) >= 1)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=hooks)
    assert time.monotonic() - started < 2
    assert [r.method for r in fake.requests if r.path == "/sdapi/v1/interrupt"] == ["POST"]
    assert not any(t.name == "a1111-txt2img" and t.is_alive() for t in threading.enumerate())


def test_a_job_cancelled_before_it_starts_sends_nothing(fake, client):
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=Hooks(cancelled=lambda: True))
    assert fake.requests == []


def test_a_render_past_the_deadline_is_a_passing_timeout(fake, client):
    fake.render_seconds = 2
    error = error_of(lambda: generate(fake, client, options={"poll_timeout": 0.15}))
    assert not error.permanent and error.code == "timeout"


# --- models --------------------------------------------------------------------------

def test_list_models_gives_the_titles_the_override_expects(fake, client):
    assert adapter(fake, client).list_models() == [SD15, SDXL]
    assert fake.requests[0].method == "GET" and fake.requests[0].path == "/sdapi/v1/sd-models"


def test_check_counts_checkpoints(fake, client):
    assert adapter(fake, client).check() == "The server answered: 2 checkpoints."
    fake.checkpoints = []
    assert "no checkpoints" in adapter(fake, client).check()


def test_the_template_builds_sane_rules():
    assert models_for("a1111") == ()
    template = template_for("a1111")
    assert template.label and template.latency_s > 0 and template.price == 0
    assert isinstance(template.size, SizeRange)
    assert (template.size.min, template.size.max, template.size.multiple) == (64, 2048, 8)
    assert template.max_n == 8
    assert set(template.params) == {"negative_prompt", "seed", "steps", "guidance", "sampler"}
    assert template.params["sampler"].choices == tuple(SAMPLERS)
    assert template.params["sampler"].default in SAMPLERS
    spec = spec_for("a1111", SDXL)
    assert spec.id == SDXL and spec.label == SDXL
    assert spec.check({"prompt": "x", "width": 512, "height": 512, "n": 1}) == []
    assert spec.check({"prompt": "x", "width": 500, "height": 512, "n": 9})


def _png() -> bytes:
    from tests.fakes.base import png_bytes
    return png_bytes(8, 8)

"""The ComfyUI adapter against a fake server that reads the graph it is sent."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from providers.base import CancelledError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import models_for, spec_for, template_for
from providers.comfyui import ComfyUIAdapter
from providers.rules import SEED_MAX, SizeRange

SAMPLERS = template_for("comfyui").params["sampler"].choices  # the catalog data's lists
SCHEDULERS = template_for("comfyui").params["scheduler"].choices
from tests.fakes.base import Reply
from tests.fakes.comfyui import FakeComfyUI, linked, nodes_of

SD15 = "v1-5-pruned-emaonly.safetensors"
SDXL = "SDXL/sd_xl_base_1.0.safetensors"


@pytest.fixture
def fake():
    with FakeComfyUI() as server:
        yield server


def adapter(fake, client, **options) -> ComfyUIAdapter:
    options.setdefault("poll_interval", 0.01)
    return ComfyUIAdapter(Connection("comfyui", fake.url, "", options), client)


def generate(fake, client, hooks=None, options=None, **fields):
    values = {"prompt": "a lighthouse at dusk", "model": SD15, "width": 512, "height": 512}
    values.update(fields)
    request = GenerationRequest(**values)
    return adapter(fake, client, **(options or {})).generate(
        request, spec_for("comfyui", request.model), hooks or Hooks())


def posted_graph(fake) -> dict:
    (post,) = [r for r in fake.requests if r.path == "/prompt"]
    return post.json["prompt"]


def error_of(call) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call()
    return caught.value


# --- the graph -----------------------------------------------------------------------

def test_the_graph_is_filled_in_from_the_request(fake, client):
    generate(fake, client, model=SDXL, negative_prompt="fog", seed=1234, steps=30, guidance=5.5,
             sampler="dpmpp_2m", extras={"scheduler": "karras"}, n=2, width=640, height=448)
    (post,) = [r for r in fake.requests if r.path == "/prompt"]
    assert post.method == "POST" and post.headers["content-type"] == "application/json"
    assert "authorization" not in post.headers
    assert set(post.json) == {"prompt", "client_id"} and post.json["client_id"]
    graph = post.json["prompt"]
    (sampler,) = nodes_of(graph, "KSampler")
    assert {k: v for k, v in sampler["inputs"].items() if not isinstance(v, list)} == {
        "seed": 1234, "steps": 30, "cfg": 5.5, "sampler_name": "dpmpp_2m", "scheduler": "karras",
        "denoise": 1.0}
    assert linked(graph, sampler, "model")["inputs"] == {"ckpt_name": SDXL}
    assert linked(graph, sampler, "positive")["inputs"]["text"] == "a lighthouse at dusk"
    assert linked(graph, sampler, "negative")["inputs"]["text"] == "fog"
    assert linked(graph, sampler, "latent_image")["inputs"] == {"width": 640, "height": 448,
                                                                "batch_size": 2}
    (save,) = nodes_of(graph, "SaveImage")
    assert linked(graph, save, "images")["class_type"] == "VAEDecode"


def test_unset_values_take_comfyuis_own_defaults_and_a_drawn_seed(fake, client):
    result = generate(fake, client)
    (sampler,) = nodes_of(posted_graph(fake), "KSampler")
    inputs = sampler["inputs"]
    assert (inputs["steps"], inputs["cfg"], inputs["sampler_name"], inputs["scheduler"]) == (
        20, 8.0, "euler", "normal")
    assert linked(posted_graph(fake), sampler, "negative")["inputs"]["text"] == ""
    assert 0 <= inputs["seed"] <= SEED_MAX
    assert result.images[0].seed == inputs["seed"]


# --- the result ----------------------------------------------------------------------

def test_each_saved_image_is_fetched_as_bytes(fake, client):
    fake.pending_polls = 3
    fake.subfolder = "studio"
    result = generate(fake, client, seed=9, n=3, width=320, height=192)
    prompt_id = next(iter(fake.jobs))
    assert result.request_id == prompt_id
    assert [i.seed for i in result.images] == [9, 9, 9]  # one seed for the whole batch
    for image in result.images:
        assert image.url is None and Image.open(io.BytesIO(image.data)).size == (320, 192)
    history = [r for r in fake.requests if r.path == f"/history/{prompt_id}"]
    assert len(history) == 4  # three empty answers, then the entry
    views = [r for r in fake.requests if r.path == "/view"]
    assert [(r.query["subfolder"], r.query["type"]) for r in views] == [(["studio"], ["output"])] * 3
    assert views[0].query["filename"][0].startswith("ImageStudio_")


def test_an_older_build_without_status_still_succeeds(fake, client):
    fake.legacy_history = True
    assert len(generate(fake, client, n=2).images) == 2


def test_a_lost_output_file_is_an_error(fake, client):
    fake.lose_files = True
    error = error_of(lambda: generate(fake, client))
    assert error.permanent and error.status == 404


# --- errors --------------------------------------------------------------------------

def test_an_unknown_checkpoint_is_permanent_with_comfyuis_reason(fake, client):
    error = error_of(lambda: generate(fake, client, model="missing.safetensors"))
    assert error.permanent and error.status == 400
    assert "Prompt outputs failed validation" in str(error)
    assert "CheckpointLoaderSimple: Value not in list: ckpt_name: 'missing.safetensors' not in" in str(error)
    assert not [r for r in fake.requests if r.path.startswith("/history")]


def test_an_unknown_sampler_is_named(fake, client):
    error = error_of(lambda: generate(fake, client, sampler="warp_drive"))
    assert error.permanent and "sampler_name: 'warp_drive' not in" in str(error)


def test_an_execution_error_carries_the_exception(fake, client):
    fake.fail_with = ("RuntimeError", "mat1 and mat2 shapes cannot be multiplied")
    error = error_of(lambda: generate(fake, client))
    assert error.permanent and error.code == "execution_error"
    assert "KSampler" in str(error) and "mat1 and mat2 shapes cannot be multiplied" in str(error)
    assert error.request_id == next(iter(fake.jobs))


def test_running_out_of_gpu_memory_is_worth_a_retry(fake, client):
    fake.fail_with = ("torch.cuda.OutOfMemoryError", "CUDA out of memory")
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and "CUDA out of memory" in str(error)


def test_a_server_error_on_queueing_is_worth_a_retry(fake, client):
    fake.push(Reply(500, "500 Internal Server Error"))
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.status == 500


def test_a_rate_limiting_proxy_gives_retry_after(fake, client):
    fake.push(Reply(429, {"error": "slow down"}, {"Retry-After": "3"}))
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.retry_after == 3 and "slow down" in str(error)


def test_an_html_gateway_page_is_worth_a_retry(fake, client):
    fake.push(Reply(200, "<html>Bad Gateway</html>"))
    error = error_of(lambda: generate(fake, client))
    assert not error.permanent and error.code == "bad_response"


def test_a_reply_without_prompt_id_is_permanent(fake, client):
    fake.push(Reply(200, {"number": 1, "node_errors": {}}))
    error = error_of(lambda: generate(fake, client))
    assert error.permanent and error.code == "bad_response"


def test_an_unreachable_server_is_worth_a_retry(client):
    with FakeComfyUI() as gone:
        url = gone.url
    error = error_of(lambda: ComfyUIAdapter(Connection("comfyui", url), client).check())
    assert not error.permanent and error.code == "connect"


# --- cancel and deadline ------------------------------------------------------------------

def test_cancel_while_queued_deletes_the_prompt(fake, client):
    fake.hold = True
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=Hooks(cancelled=_true_after(1)))
    prompt_id = next(iter(fake.jobs))
    (delete,) = [r for r in fake.requests if r.method == "POST" and r.path == "/queue"]
    assert delete.json == {"delete": [prompt_id]}
    assert not [r for r in fake.requests if r.path == "/interrupt"]
    assert fake.jobs[prompt_id]["state"] == "deleted"


def test_cancel_while_running_interrupts_only_this_prompt(fake, client):
    fake.hold = True
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=Hooks(cancelled=_true_after(2)))
    prompt_id = next(iter(fake.jobs))
    (interrupt,) = [r for r in fake.requests if r.path == "/interrupt"]
    assert interrupt.json == {"prompt_id": prompt_id}
    assert fake.jobs[prompt_id]["state"] == "interrupted"


def test_a_run_interrupted_by_someone_else_is_worth_a_retry(fake, client):
    def someone_interrupts(seconds):
        for job in fake.jobs.values():
            if job["state"] == "running":
                job["state"] = "interrupted"

    fake.pending_polls = 1
    error = error_of(lambda: generate(fake, client, hooks=Hooks(sleep=someone_interrupts)))
    assert not error.permanent and error.code == "interrupted"


def test_waits_go_through_the_sleep_hook_and_stop_at_the_deadline(fake, client):
    fake.hold = True
    naps = []
    error = error_of(lambda: generate(fake, client, hooks=Hooks(sleep=naps.append),
                                      options={"poll_interval": 0.5, "poll_timeout": 0.0}))
    assert not error.permanent and error.code == "timeout"
    assert naps == [0.5]
    assert [r for r in fake.requests if r.method == "POST" and r.path in ("/queue", "/interrupt")]


def test_a_job_cancelled_before_it_starts_sends_nothing(fake, client):
    with pytest.raises(CancelledError):
        generate(fake, client, hooks=Hooks(cancelled=lambda: True))
    assert fake.requests == []


# --- models ----------------------------------------------------------------------------

def test_list_models_reads_ckpt_name_choices(fake, client):
    assert adapter(fake, client).list_models() == [SD15, SDXL]
    assert fake.requests[0].path == "/object_info/CheckpointLoaderSimple"
    fake.combo_v3 = True
    assert adapter(fake, client).list_models() == [SD15, SDXL]


def test_check_names_the_version_and_counts_checkpoints(fake, client):
    assert adapter(fake, client).check() == "ComfyUI 0.3.43 answered: 2 checkpoints."
    fake.checkpoints = []
    assert "no checkpoints" in adapter(fake, client).check()


def test_the_template_builds_sane_rules():
    assert models_for("comfyui") == ()
    template = template_for("comfyui")
    assert template.label and template.latency_s > 0 and template.price == 0
    assert isinstance(template.size, SizeRange) and template.size.multiple == 8
    assert template.max_n == 8
    assert set(template.params) == {"negative_prompt", "seed", "steps", "guidance", "sampler", "scheduler"}
    assert template.params["sampler"].default in SAMPLERS
    assert template.params["scheduler"].default in SCHEDULERS
    spec = spec_for("comfyui", SDXL)
    assert spec.id == SDXL
    assert spec.check({"prompt": "x", "width": 1024, "height": 1024, "n": 1}) == []


def _true_after(calls: int):
    """A cancelled() hook that turns true on its calls-th call."""
    count = {"n": 0}

    def cancelled():
        count["n"] += 1
        return count["n"] > calls

    return cancelled

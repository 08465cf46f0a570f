"""Staff ComfyUI workflows: placeholders filled, checked against the server's /object_info."""
from __future__ import annotations

import pytest

from providers.base import Connection, GenerationRequest, Hooks, ProviderError
from providers.comfyui import ComfyUIAdapter, img2img_graph
from providers.comfyui_workflows import image_slots, workflow_errors
from tests.fakes.base import png_bytes
from tests.fakes.comfyui import FakeComfyUI
from tests.fakes.fixtures import fake_fixtures

server, fake = fake_fixtures(lambda: FakeComfyUI())
CKPT = "v1-5-pruned-emaonly.safetensors"


def workflow() -> dict:
    """An API-format export of an img2img workflow, with placeholders where staff put them."""
    graph = img2img_graph(GenerationRequest(prompt="x", model=CKPT), 1, "x.png")
    graph["6"]["inputs"]["text"] = "{{prompt}}"
    graph["7"]["inputs"]["text"] = "{{negative_prompt}}"
    graph["3"]["inputs"].update(seed="{{seed}}", steps=12, denoise="{{strength}}")
    graph["10"]["inputs"]["image"] = "{{image}}"
    return graph


def run(fake, client, graph, **fields):
    adapter = ComfyUIAdapter(Connection("comfyui", fake.url, "", {
        "poll_interval": 0.01, "workflows": {"product-relight": graph}}), client)
    request = GenerationRequest(prompt="a shoe on marble", model="product-relight", seed=9,
                                negative_prompt="blur", strength=0.3, operation="edit", **fields)
    return adapter, adapter.generate(request, None, Hooks(sleep=lambda s: None))


def test_a_workflow_runs_with_its_placeholders_filled(fake, client):
    source = png_bytes(32, 16)
    _, result = run(fake, client, workflow(), input_images=(source,))
    paths = [r.path for r in fake.requests]
    assert paths[:3] == ["/object_info", "/upload/image", "/prompt"]
    graph = fake.requests[2].json["prompt"]
    assert graph["6"]["inputs"]["text"] == "a shoe on marble"
    assert graph["7"]["inputs"]["text"] == "blur"
    assert graph["3"]["inputs"]["seed"] == 9 and graph["3"]["inputs"]["denoise"] == 0.3
    assert graph["10"]["inputs"]["image"] in fake.uploads
    assert len(result.images) == 1


def test_a_node_the_server_lacks_is_named_before_anything_is_queued(fake, client):
    graph = workflow()
    graph["3"]["class_type"] = "KSamplerAdvancedPlus"
    with pytest.raises(ProviderError) as caught:
        run(fake, client, graph, input_images=(png_bytes(8, 8),))
    assert "node 3 (KSamplerAdvancedPlus) is not installed on this ComfyUI server" in str(caught.value)
    assert "/prompt" not in [r.path for r in fake.requests]


def test_the_ui_format_and_missing_inputs_are_refused_by_name():
    info = FakeComfyUI().all_object_info()
    assert workflow_errors({"nodes": [], "links": []}, info) == [
        "This is ComfyUI's UI format: export the workflow with “Save (API)”"]
    graph = workflow()
    del graph["3"]["inputs"]["cfg"]
    assert "node 3 (KSampler) needs its input 'cfg'" in workflow_errors(graph, info)
    assert image_slots(graph) == 1


def test_a_workflow_without_its_image_says_how_many_it_takes(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, workflow())
    assert "takes 1 input image; 0 given" in str(caught.value)


def test_test_connection_reports_each_workflow(fake, client):
    adapter = ComfyUIAdapter(Connection("comfyui", fake.url, "", {"workflows": {
        "ok": workflow(), "broken": {"nodes": []}}}), client)
    text = adapter.check()
    assert "Workflow 'ok': ready" in text and "Workflow 'broken': This is ComfyUI's UI format" in text

"""302.AI adapter against its fake: the request sent, the reply read, each failure."""
from __future__ import annotations

import httpx
import pytest

from providers.ai302 import AI302Adapter
from providers.base import (
    Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError,
)
from providers.catalog import models_for, spec_for
from providers.rules import AspectRatios, SizeList, SizeRange
from tests.fakes import ai302 as fakes
from tests.fakes.ai302 import PATH, Fake302
from tests.fakes.base import Reply, png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate

KEY = Fake302.api_key
SEED_MODELS = """
dall-e-3-t2i dall-e-2-t2i stable-v1-t2i stable-sd2-t2i stable-sd3-ultra-t2i stable-sd3-t2i
stable-sd3.5-medium-t2i stable-sd3.5-large-t2i stable-sd3-turbo-t2i stable-sd3-i2i
stable-sd3.5-medium-i2i stable-sd3.5-large-i2i stable-sd3-turbo-i2i 302ai-sdxl-t2i
302ai-sdxl-lora-t2i 302ai-sdxl-lighting-t2i 302ai-sdxl-lighting-v2-t2i 302ai-sd3-t2i
302ai-aura-flow-t2i 302ai-kolors-t2i 302ai-kolors-i2i 302ai-sd35-large-t2i
302ai-sd35-large-turbo-t2i 302ai-sd35-medium-t2i 302ai-lumina-t2i 302ai-omnigen-v1-t2i
302ai-playground-v25-t2i 302ai-lora-t2i flux-pro-1.1-ultra-t2i flux-pro-1.1-t2i flux-pro-t2i
flux-dev-t2i flux-pro-1.0-fill-t2i flux-pro-1.0-canny-t2i flux-pro-1.0-depth-t2i
flux-pro-1.1-ultra-finetuned-t2i flux-pro-1.0-finetuned-t2i flux-pro-1.0-depth-finetuned-t2i
flux-pro-1.0-canny-finetuned-t2i flux-pro-1.0-fill-finetuned-t2i 302ai-flux-v1.1-ultra-t2i
302ai-flux-v1.1-pro-t2i 302ai-flux-pro-t2i 302ai-flux-dev-t2i 302ai-flux-schnell-t2i
302ai-flux-realism-t2i ideogram-v1-t2i ideogram-v1-turbo-t2i ideogram-v2-t2i
ideogram-v2-turbo-t2i ideogram-v2a-t2i ideogram-v2a-turbo-t2i recraft-v3-t2i recraft-20b-t2i
luma-t2i luma-flash-t2i doubao-v2-t2i doubao-v2-l-t2i doubao-v2.1-l-t2i doubao-v3-t2i
google-v3-t2i google-v3-fast-t2i minimaxi-t2i cogview-4-t2i cogview-4-250304-t2i
baidu-irag-t2i hidream-i1-full-t2i hidream-i1-dev-t2i hidream-i1-fast-t2i
""".split()


server, fake = fake_fixtures(lambda: Fake302())


def adapter(fake, client, key=KEY) -> AI302Adapter:
    return AI302Adapter(Connection("ai302", fake.url, key), client)


def run(fake, client, model="ideogram-v2-t2i", **fields):
    fields.setdefault("aspect_ratio", None if "width" in fields or "size" in fields else "16:9")
    return generate(adapter(fake, client), model, **fields)


def expect_error(fake, client, *replies) -> ProviderError:
    fake.push(*replies)
    with pytest.raises(ProviderError) as caught:
        run(fake, client)
    assert KEY not in str(caught.value)
    return caught.value


def default_request(spec) -> GenerationRequest:
    """What the form would send for this model with its defaults."""
    size = spec.size
    fields = {"prompt": "a red fox", "model": spec.id}
    if isinstance(size, AspectRatios):
        fields["aspect_ratio"] = size.default
    elif isinstance(size, SizeList):
        fields["size"] = size.default
        if "x" in size.default:
            fields["width"], fields["height"] = map(int, size.default.split("x"))
    else:
        fields["width"], fields["height"] = size.default
    if spec.needs_image:
        fields["input_image"] = png_bytes(16, 16)
    if "finetune_id" in spec.params:
        fields["extras"] = {"finetune_id": "ft-123"}
    return GenerationRequest(**fields)


# --- the request --------------------------------------------------------------

def test_aspect_ratio_model_sends_only_model_prompt_and_ratio(fake, client):
    run(fake, client, aspect_ratio="16:9")
    (req,) = fake.requests
    assert (req.method, req.path) == ("POST", PATH)
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["content-type"] == "application/json"
    assert req.json == {"model": "ideogram-v2-t2i", "prompt": "a red fox", "aspect_ratio": "16:9"}


def test_range_model_sends_width_and_height(fake, client):
    run(fake, client, "doubao-v3-t2i", width=768, height=512)
    assert fake.requests[0].json == {"model": "doubao-v3-t2i", "prompt": "a red fox",
                                     "width": 768, "height": 512}


def test_size_list_model_sends_size_only(fake, client):
    run(fake, client, "cogview-4-t2i", size="1440x720", width=1440, height=720)
    assert fake.requests[0].json == {"model": "cogview-4-t2i", "prompt": "a red fox",
                                     "size": "1440x720"}


def test_image_to_image_sends_the_upload_as_a_data_url_and_no_size(fake, client):
    picture = png_bytes(24, 24)
    run(fake, client, "stable-sd3-i2i", size="auto", input_image=picture)
    body = fake.requests[0].json
    assert set(body) == {"model", "prompt", "image"}
    assert body["image"].startswith("data:image/png;base64,")
    assert fake.last_image == picture


def test_a_jpeg_upload_is_labelled_as_jpeg(fake, client):
    run(fake, client, "302ai-kolors-i2i", size="auto", input_image=png_bytes(fmt="JPEG"))
    assert fake.requests[0].json["image"].startswith("data:image/jpeg;base64,")


def test_finetuned_model_sends_its_finetune_id(fake, client):
    run(fake, client, "flux-pro-1.0-finetuned-t2i", width=1024, height=768,
        extras={"finetune_id": "ft-123"})
    assert fake.requests[0].json["finetune_id"] == "ft-123"


def test_a_model_that_needs_an_image_is_refused_without_one(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "stable-sd3-i2i", size="auto")
    assert caught.value.permanent and not fake.requests


def test_an_unreadable_upload_is_refused_before_sending(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "stable-sd3-i2i", size="auto", input_image=b"not a picture")
    assert caught.value.permanent and not fake.requests


@pytest.mark.parametrize("spec", models_for("ai302"), ids=lambda spec: spec.id)
def test_every_catalog_model_sends_only_what_its_rule_allows(fake, client, spec):
    adapter(fake, client).generate(default_request(spec), spec, Hooks())
    body = fake.requests[0].json
    sizing = {AspectRatios: {"aspect_ratio"}, SizeRange: {"width", "height"},
              SizeList: set() if spec.size.default == "auto" else {"size"}}[type(spec.size)]
    expected = {"model", "prompt"} | sizing | set(spec.params)
    if spec.needs_image:
        expected.add("image")
    assert set(body) == expected and body["model"] == spec.id


# --- the answer ---------------------------------------------------------------

def test_reads_the_image_url_and_request_id(fake, client):
    result = run(fake, client)
    (image,) = result.images
    assert image.data is None and image.url.startswith(fake.url + "/files/")
    assert result.request_id == "rid-1"
    assert httpx.get(image.url).content[:8] == b"\x89PNG\r\n\x1a\n"


def test_result_urls_expire(fake, client):
    url = run(fake, client).images[0].url
    fake.expire()
    assert httpx.get(url).status_code == 404


def test_reads_the_image_urls_list(fake, client):
    fake.shape = "image_urls"
    fake.push(Reply(200, {"status": "completed", "image_url": "https://f/1.png",
                          "image_urls": ["https://f/1.png", "https://f/2.png"]}))
    assert [i.url for i in run(fake, client, n=2).images] == ["https://f/1.png", "https://f/2.png"]


def test_the_v2_shape_from_the_fake_is_read(fake, client):
    fake.shape = "image_urls"
    assert len(run(fake, client).images) == 1


def test_request_id_falls_back_to_the_body(fake, client):
    fake.push(Reply(200, {"image_url": "https://f/1.png", "request_id": "body-rid"}))
    assert run(fake, client).request_id == "body-rid"


def test_an_answer_without_an_image_is_permanent(fake, client):
    error = expect_error(fake, client, Reply(200, {"image_url": ""}))
    assert error.permanent and error.code == "bad_response"


def test_an_upstream_still_rendering_is_passing(fake, client):
    error = expect_error(fake, client, Reply(200, {"status": "processing", "image_url": None}))
    assert not error.permanent and error.code == "timeout"


def test_a_web_page_on_200_is_passing_and_names_the_base_url(fake, client):
    error = expect_error(fake, client, fakes.gateway_page(200))
    assert not error.permanent and "base URL" in str(error) and error.code == "bad_response"


def test_other_text_on_200_is_permanent(fake, client):
    error = expect_error(fake, client, Reply(200, "OK", {"request-id": "rid-text"}))
    assert error.permanent and error.request_id == "rid-text"


# --- failures -----------------------------------------------------------------

@pytest.mark.parametrize("status", [401, 200])
def test_vendor_code_1004_is_a_permanent_auth_error(fake, client, status):
    error = expect_error(fake, client, fakes.auth_failed(status, f"bad key {KEY}"))
    assert error.permanent and error.code == "auth" and error.status == status
    assert "bad key" in str(error) and "1004" in str(error) and error.request_id == "rid-err-1"


def test_a_wrong_key_reaches_the_fake_and_is_refused(fake, client):
    with pytest.raises(ProviderError) as caught:
        AI302Adapter(Connection("ai302", fake.url, "sk-wrong-777"), client).generate(
            GenerationRequest(prompt="x", model="luma-t2i", aspect_ratio="1:1"), None, Hooks())
    assert caught.value.permanent and caught.value.code == "auth"
    assert "sk-wrong-777" not in str(caught.value)


def test_vendor_code_1002_on_429_is_passing_with_retry_after(fake, client):
    error = expect_error(fake, client, fakes.rate_limited(429, "7"))
    assert not error.permanent and error.code == "rate_limit" and error.retry_after == 7
    assert "rate limited" in str(error)


def test_vendor_code_1002_on_200_is_passing_too(fake, client):
    error = expect_error(fake, client, fakes.rate_limited(200, "3"))
    assert not error.permanent and error.status == 200 and error.retry_after == 3


def test_invalid_parameter_is_permanent_with_the_message(fake, client):
    error = expect_error(fake, client, fakes.vendor_error(400, "InvalidParameter",
                                                         "aspect_ratio is invalid"))
    assert error.permanent and "aspect_ratio is invalid" in str(error) and error.status == 400


def test_moderation_is_a_content_policy_error(fake, client):
    error = expect_error(fake, client, fakes.moderated())
    assert isinstance(error, ContentPolicyError) and "content moderation" in str(error)


def test_insufficient_balance_is_permanent(fake, client):
    error = expect_error(fake, client, fakes.vendor_error(402, "InsufficientBalance",
                                                         "Balance is not enough"))
    assert error.permanent and error.code == "quota"


def test_internal_error_is_passing(fake, client):
    error = expect_error(fake, client, fakes.server_error())
    assert not error.permanent and "upstream service error" in str(error)


def test_internal_error_on_200_is_passing(fake, client):
    error = expect_error(fake, client, fakes.vendor_error(200, "InternalError", "boom"))
    assert not error.permanent


def test_an_unknown_code_on_200_is_permanent(fake, client):
    error = expect_error(fake, client, fakes.vendor_error(200, 4001, "model not available"))
    assert error.permanent and "model not available" in str(error)


def test_the_gateway_error_envelope_is_read(fake, client):
    error = expect_error(fake, client, fakes.gateway_error(401))
    assert error.permanent and error.code == "auth" and "Invalid API key" in str(error)


def test_an_html_502_is_passing(fake, client):
    error = expect_error(fake, client, fakes.gateway_page(502))
    assert not error.permanent and error.status == 502


def test_a_network_failure_is_passing(client):
    conn = Connection("ai302", "http://127.0.0.1:9", KEY)
    with pytest.raises(ProviderError) as caught:
        AI302Adapter(conn, client).generate(
            GenerationRequest(prompt="x", model="luma-t2i", aspect_ratio="1:1"), None, Hooks())
    assert not caught.value.permanent


# --- check --------------------------------------------------------------------

def test_check_lists_the_models_for_free(fake, client):
    text = adapter(fake, client).check()
    (req,) = fake.requests
    assert (req.method, req.path, req.query) == ("GET", "/v1/models", {"llm": ["0"]})
    assert req.headers["authorization"] == f"Bearer {KEY}" and not req.body
    assert text == "302.AI accepted the key and lists 2 non-chat models."


def test_check_with_a_wrong_key_raises_auth(fake, client):
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="sk-wrong-777").check()
    assert caught.value.permanent and caught.value.code == "auth"


def test_check_against_a_website_raises(fake, client):
    fake.push(fakes.gateway_page(200))
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client).check()
    assert "base URL" in str(caught.value)


# --- catalog ------------------------------------------------------------------

def test_catalog_covers_every_seed_model_once():
    ids = [spec.id for spec in models_for("ai302")]
    assert sorted(ids) == sorted(SEED_MODELS) and len(ids) == len(set(ids)) == 69


@pytest.mark.parametrize("spec", models_for("ai302"), ids=lambda spec: spec.id)
def test_catalog_entry_is_sane(spec):
    assert spec.label.endswith("(302.AI)") and spec.latency_s > 0 and spec.max_n == 1
    assert spec.needs_image == (spec.id.endswith("-i2i") or any(
        word in spec.id for word in ("-fill-", "-canny-", "-depth-")))
    if spec.needs_image:
        assert isinstance(spec.size, SizeList) and spec.size.sizes == ("auto",)
    elif isinstance(spec.size, SizeRange):
        assert spec.size.check(*spec.size.default) == []
    elif isinstance(spec.size, SizeList):
        assert spec.size.check(spec.size.default) == [] and "auto" not in spec.size.sizes
    else:
        assert spec.size.check(spec.size.default) == []


def test_catalog_follows_the_seed_rules():
    def rule(model):
        return spec_for("ai302", model).size

    assert rule("dall-e-2-t2i").sizes == ("256x256", "512x512", "1024x1024")
    assert rule("dall-e-3-t2i").sizes == ("1024x1024",)
    assert set(rule("stable-sd3-t2i").ratios) == {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5",
                                                  "5:4", "9:16", "9:21"}
    assert set(rule("302ai-flux-v1.1-ultra-t2i").ratios) == {"21:9", "16:9", "4:3", "1:1",
                                                             "3:4", "9:16", "9:21"}
    assert len(rule("ideogram-v2a-turbo-t2i").ratios) == 11
    for model in ("luma-t2i", "google-v3-t2i", "minimaxi-t2i"):
        assert set(rule(model).ratios) == {"16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"}
    doubao = rule("doubao-v2.1-l-t2i")
    assert (doubao.min, doubao.max) == (256, 768)
    assert "1440x720" in rule("cogview-4-250304-t2i").sizes

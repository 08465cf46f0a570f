"""Provider bodies are capped while they stream, counted after decoding
(issue 9, item 7): a gzip bomb, an endless JSON answer and an oversized inline
image are refused without the worker ever holding them."""
from __future__ import annotations

import base64
import tracemalloc

import pytest

from providers.base import ProviderError
from providers.download import download_image
from tests.hostile import fake as hostile
from tests.hostile.conftest import generate, outcome

MB = 2**20


@pytest.fixture
def caps(settings):
    settings.STUDIO_MAX_RESPONSE_BYTES = 4 * MB
    settings.STUDIO_MAX_DOWNLOAD_BYTES = 2 * MB


def refused(fn) -> ProviderError:
    error, _ = outcome(fn, within=20)
    assert isinstance(error, ProviderError), error
    return error


def test_a_gzip_bomb_is_refused_once_its_decoded_bytes_pass_the_cap(fake, caps):
    fake.behaviour = bomb = hostile.gzip_bomb(200 * MB)
    assert bomb.size < 300_000  # 200 MB of JSON in a few hundred KB on the wire
    tracemalloc.start()
    try:
        error = refused(lambda: generate(fake))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "too_large" and error.permanent
    assert "larger than the 4 MB limit" in error.message
    assert peak < 20 * MB  # never the 200 MB the old client decoded in full


def test_a_deflate_bomb_is_capped_the_same_way(fake, caps):
    fake.behaviour = hostile.gzip_bomb(50 * MB, encoding="deflate")
    assert refused(lambda: generate(fake)).code == "too_large"


def test_an_endless_json_answer_is_cut_off_while_streaming(fake, caps):
    fake.behaviour = hostile.flood(100 * MB)
    error = refused(lambda: generate(fake))
    assert error.code == "too_large"
    fake.hung_up.wait(5)
    assert fake.sent < 40 * MB  # we hung up long before the 100 MB were sent


def test_an_honest_gzipped_answer_is_read(fake, caps):
    fake.behaviour = hostile.gzipped({"data": [{"b64_json": hostile.PNG_B64}]})
    result, _ = outcome(lambda: generate(fake), within=10)
    assert result.images[0].data == hostile.PNG


def test_an_inline_image_over_the_image_cap_is_refused(fake, caps):
    # 2.5 MB of image in 3.3 MB of base64: under the answer cap, over the image cap.
    fake.behaviour = hostile.images(b64=base64.b64encode(b"\x89PNG" + bytes(5 * MB // 2)).decode())
    error = refused(lambda: generate(fake))
    assert error.code == "too_large" and "image is larger than the 2 MB limit" in error.message


def test_an_encoding_we_did_not_ask_for_is_refused(fake, caps):
    def brotli(wire, req):
        wire.head(200, {"Content-Type": "application/json", "Content-Encoding": "br",
                        "Content-Length": "4"})
        wire.raw(b"\x0b\x00\x80\x03")
    fake.behaviour = brotli
    error = refused(lambda: generate(fake))
    assert error.permanent and "encoding we did not ask for (br)" in error.message


def test_a_gzip_bombed_download_is_capped_after_decoding(fake, caps):
    fake.behaviour = hostile.gzip_bomb(100 * MB, content_type="image/png")
    tracemalloc.start()
    try:
        error = refused(lambda: download_image(fake.url + "/x.png", own_url=fake.url,
                                               max_bytes=2 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "too_large"
    assert peak < 20 * MB


def test_json_nested_a_million_deep_is_a_bad_answer_not_a_crash(fake, caps):
    fake.behaviour = lambda wire, req: wire.answer(200, b"[" * 1_000_000)
    error = refused(lambda: generate(fake))
    assert error.code == "bad_response"

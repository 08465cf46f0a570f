"""LiteLLM as a client: its exact image_generation request, replayed.

LiteLLM is too heavy to install for the test suite, so the request it sends
to an OpenAI-compatible endpoint is kept as a fixture (see its "about").
The answer must have what LiteLLM's ImageResponse reads: created and
data[].b64_json / url.
"""
import base64
import json
from pathlib import Path

import httpx
import pytest

from gallery.models import Image

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "litellm_image_generation.json").read_text())


def test_litellm_request_is_answered_as_openai_does(live_server, token, member, placeholder):
    headers = {k: v.replace("{token}", token) for k, v in FIXTURE["headers"].items()}
    r = httpx.request(FIXTURE["method"], live_server.url + FIXTURE["path"], headers=headers,
                      content=json.dumps(FIXTURE["body"]), timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["created"], int) and len(body["data"]) == 1
    assert base64.b64decode(body["data"][0]["b64_json"]).startswith(b"\x89PNG")
    image = Image.objects.get(prompt="A cute baby sea otter")
    assert image.owner == member and image.seed == 7 and (image.width, image.height) == (256, 256)

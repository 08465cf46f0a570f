"""The MCP SDK's own client: streamable HTTP against the live server, and stdio."""
import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from api.tokens import token_create
from tests.api.conftest import run_async
from gallery.models import Image
from studio.models import Budget

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"generate_image", "edit_image", "search_gallery", "get_image", "get_job", "list_models",
         "list_templates", "fill_template"}


async def _session_run(url: str, token: str, work):
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)


def _payload(result) -> object:
    assert not result.isError, result.content
    if result.structuredContent is not None:
        return result.structuredContent.get("result", result.structuredContent)
    return json.loads(result.content[0].text)


def test_mcp_client_lists_tools_generates_and_finds_the_image(live_server, token, member, placeholder):
    async def work(session):
        tools = {t.name for t in (await session.list_tools()).tools}
        made = _payload(await session.call_tool("generate_image", {
            "prompt": "a copper teapot on a shelf", "model": "placeholder", "size": "256x256"}))
        found = _payload(await session.call_tool("search_gallery", {"query": "copper teapot"}))
        picture = await session.call_tool("get_image", {"image_id": made["images"][0]["id"], "max_side": 128})
        return tools, made, found, picture

    tools, made, found, picture = run_async(_session_run(f"{live_server.url}/mcp", token, work))
    assert TOOLS <= tools
    assert made["status"] == "succeeded"
    image = Image.objects.get(pk=made["images"][0]["id"])
    assert image.owner == member and image.job.source == "mcp"
    assert [i["id"] for i in found] == [image.pk]
    assert picture.content[0].type == "image" and picture.content[0].mimeType == "image/jpeg"


def test_mcp_refusals_name_the_rule_and_the_budget(live_server, token, member, placeholder):
    Budget.objects.create(user=member, monthly_images=1)

    async def work(session):
        rule = await session.call_tool("generate_image", {"prompt": "x", "model": "placeholder", "n": 9})
        budget = await session.call_tool("generate_image", {"prompt": "x", "model": "placeholder", "n": 2})
        return rule, budget

    rule, budget = run_async(_session_run(f"{live_server.url}/mcp", token, work))
    assert rule.isError and "between 1 and 4" in rule.content[0].text
    assert budget.isError and "1 of 1 images left" in budget.content[0].text


def test_mcp_search_does_not_show_another_persons_private_image(live_server, token, django_user_model,
                                                               placeholder, api):
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    _, raw = token_create(user=other, name="otto's")
    api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "hidden walrus",
                                           "visibility": "private"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    image = Image.objects.get(prompt="hidden walrus")

    async def work(session):
        return (_payload(await session.call_tool("search_gallery", {"query": "walrus"})),
                await session.call_tool("get_image", {"image_id": image.pk}))

    found, got = run_async(_session_run(f"{live_server.url}/mcp", token, work))
    assert found == [] and got.isError


def test_mcp_without_a_token_is_401(live_server):
    r = httpx.post(f"{live_server.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 401


def test_stdio_server_lists_tools_and_generates(placeholder, worker, token, member, tmp_path, settings):
    """The stdio server queues like the web does; a real worker runs the job while the tool waits."""
    token_file = tmp_path / "token"
    token_file.write_text(token)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1",
           "STUDIO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "STUDIO_API_WAIT_SECONDS": "30"}
    params = StdioServerParameters(command=sys.executable, args=["manage.py", "mcp", "--token-file", str(token_file)],
                                   env=env, cwd=str(ROOT))

    async def run():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name for t in (await session.list_tools()).tools}
                made = _payload(await session.call_tool("generate_image", {
                    "prompt": "a stdio lantern", "model": "placeholder", "size": "256x256"}))
                return tools, made

    tools, made = run_async(run())
    assert TOOLS <= tools
    assert made["status"] == "succeeded", made
    image = Image.objects.get(prompt="a stdio lantern")
    assert image.owner == member and image.job.source == "mcp" and image.job.api_token_name == "script"


def test_mcp_lists_and_fills_a_template(live_server, token, member):
    from gallery.models import PromptTemplate

    PromptTemplate.objects.create(name="Product shot", text="a {product} on {surface}",
                                  variables=[{"name": "product", "default": "sneaker", "choices": []},
                                             {"name": "surface", "default": "marble", "choices": []}])

    async def work(session):
        listed = _payload(await session.call_tool("list_templates", {}))
        filled = await session.call_tool("fill_template", {"name": "Product shot", "values": {"product": "watch"}})
        wrong = await session.call_tool("fill_template", {"name": "Product shot", "values": {"colour": "red"}})
        return listed, filled, wrong

    listed, filled, wrong = run_async(_session_run(f"{live_server.url}/mcp", token, work))
    assert [t["name"] for t in listed] == ["Product shot"]
    assert _payload(filled)["prompt"] == "a watch on marble"
    assert wrong.isError and "no variable colour" in wrong.content[0].text


def test_mcp_get_stream_is_refused_politely(client, token, db):
    r = client.get("/mcp", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="text/event-stream")
    assert r.status_code == 405 and r["Allow"] == "POST, DELETE"


def test_mcp_generates_onto_a_board_and_searches_it(live_server, token, member, placeholder):
    from gallery.boards import board_create

    board_create(owner=member, name="Moodboard")

    async def work(session):
        made = _payload(await session.call_tool("generate_image", {
            "prompt": "a teal armchair", "model": "placeholder", "board": "Moodboard"}))
        await session.call_tool("generate_image", {"prompt": "a teal sofa", "model": "placeholder"})
        found = _payload(await session.call_tool("search_gallery", {"query": "teal", "board": "Moodboard"}))
        return made, found

    made, found = run_async(_session_run(f"{live_server.url}/mcp", token, work))
    assert [i["id"] for i in found] == [made["images"][0]["id"]]

"""Under `make run` (gunicorn, WSGI, a real worker) the API and /mcp serve scripts and agents."""
import subprocess
import sys

import httpx
import openai
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.api.conftest import run_async
from tests.test_make_run import ROOT, answers, make_run, wait_until  # noqa: F401  (make_run is a fixture)


def test_openai_sdk_and_mcp_client_work_against_make_run(make_run, tmp_path):
    proc, base, data_dir = make_run
    wait_until(lambda: answers(f"{base}/accounts/login/"), 90, "make run to serve "
               + (tmp_path / "make-run.log").read_text(errors="replace")[-2000:])
    env = {"STUDIO_DATA_DIR": data_dir, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    token = subprocess.run([sys.executable, "manage.py", "token_create", "admin", "--name", "smoke"], cwd=ROOT,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()

    sdk = openai.OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=60)
    assert "placeholder" in [m.id for m in sdk.models.list().data]
    made = sdk.images.generate(model="placeholder", prompt="served by gunicorn", size="256x256")
    assert made.data[0].b64_json

    async def agent():
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            async with streamable_http_client(f"{base}/mcp", http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = {t.name for t in (await session.list_tools()).tools}
                    found = await session.call_tool("search_gallery", {"query": "gunicorn"})
                    return tools, found

    tools, found = run_async(agent())
    assert {"generate_image", "search_gallery"} <= tools
    assert not found.isError and "served by gunicorn" in found.content[0].text

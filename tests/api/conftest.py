import asyncio
import io
import pytest

from api.tokens import token_create


@pytest.fixture
def token(member):
    return token_create(user=member, name="script")[1]


@pytest.fixture
def api(client, token):
    """The test client with a Bearer token and nothing else (no session)."""
    def call(method, path, data=None, **extra):
        extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
        if method in ("post", "put") and not isinstance(data, dict | None) or extra.pop("multipart", False):
            return getattr(client, method)(path, data, **extra)
        return getattr(client, method)(path, data, content_type="application/json", **extra)
    return call


@pytest.fixture
def placeholder(local_connection, media_root):
    return f"{local_connection.pk}:placeholder"


def run_async(coro):
    """asyncio.run() in a thread of its own: once the browser tests have started
    Playwright's sync API, this process's main thread counts as running an event
    loop (pytest-django runs those transactional tests before the plain ones),
    and asyncio.run() there raises."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def png_file(name="in.png"):
    """A small PNG upload, as a multipart file field."""
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (32, 32), (10, 200, 10)).save(out, "PNG")
    out.name = name
    out.seek(0)
    return out

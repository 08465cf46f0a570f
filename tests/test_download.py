"""providers.download.download_image against a real loopback server."""
from __future__ import annotations

import io
import struct
import time
import zlib

import httpx
import pytest
from PIL import Image, ImageFile

from providers.base import ProviderError
from providers.download import download_image
from tests.fakes.base import FakeServer, Reply, Request, _Handler, png_bytes

MB = 2**20
PNG = png_bytes(40, 30)


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def bomb_png(size: int = 20_000) -> bytes:
    """A valid 1-bit PNG of size×size pixels that weighs ~50 KB: all zeros compress
    ~1000:1. Built by hand because Pillow takes a second to encode it."""
    row = bytes(1 + (size + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(size // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


class _StreamingHandler(_Handler):
    """Adds replies the plain fake cannot make: chunked bodies and a lying length."""

    def _serve(self):
        fake = self.server.fake
        if self.path.startswith("/chunked/"):
            fake._dispatch(Request("GET", self.path, {}, {}, b""))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"\0" * 65536
            try:  # "endless": up to 64 MB, unless the client hangs up first
                for _ in range(1024):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                fake.hung_up = True
            self.close_connection = True
            return
        if self.path.startswith("/liar/"):  # claims 1 GB, sends a few bytes, hangs up
            fake._dispatch(Request("GET", self.path, {}, {}, b""))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(2**30))
            self.end_headers()
            self.wfile.write(PNG[:10])
            self.close_connection = True
            return
        super()._serve()

    do_GET = _serve


class FakeFiles(FakeServer):
    """Serves ``files[path] = Reply(...)``; anything else is a 404 like an expired URL."""

    def __init__(self):
        super().__init__()
        self.files: dict[str, Reply] = {}
        self.hung_up = False

    def start(self):
        super().start()
        self._httpd.RequestHandlerClass = _StreamingHandler
        return self

    def route(self, req: Request) -> Reply:
        return self.files.get(req.path) or Reply(
            404, "<Error><Code>NoSuchKey</Code></Error>", headers={"Content-Type": "application/xml"})


@pytest.fixture(scope="module")
def server():
    with FakeFiles() as running:
        yield running


@pytest.fixture
def fake(server):
    server.requests.clear()
    server.files.clear()
    server.hung_up = False
    return server


@pytest.fixture(scope="module")
def client():
    with httpx.Client() as c:
        yield c


def get(fake, client, path: str, *, own_url=None, max_bytes=8 * MB, url=None) -> bytes:
    return download_image(url or fake.url + path, client=client, own_url=own_url or fake.url,
                          max_bytes=max_bytes, secrets=("sk-secret-1234",))


def refused(fake, client, path: str, **kw) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        get(fake, client, path, **kw)
    return info.value


def serve(fake, path: str, body: bytes, ctype: str | None = "image/png", status: int = 200, **headers):
    if ctype:
        headers["Content-Type"] = ctype
    fake.files[path] = Reply(status, body, headers=headers)


def test_a_png_on_the_connections_own_host_is_fetched(fake, client):
    serve(fake, "/files/1.png", PNG)
    assert get(fake, client, "/files/1.png?signature=abc") == PNG
    assert [r.path for r in fake.requests] == ["/files/1.png"]


def test_octet_stream_and_a_missing_content_type_are_judged_by_the_bytes(fake, client):
    serve(fake, "/a", PNG, "application/octet-stream")
    serve(fake, "/b", PNG, None)
    assert get(fake, client, "/a") == get(fake, client, "/b") == PNG


@pytest.mark.parametrize("status", [404, 410, 403])
def test_an_expired_url_is_a_permanent_error_that_says_so(fake, client, status):
    if status != 404:
        serve(fake, "/x.png", b"gone", "text/plain", status=status)
    error = refused(fake, client, "/x.png")
    assert error.permanent and error.code == "expired" and error.status == status
    assert "expired" in error.message


def test_a_server_error_may_be_retried(fake, client):
    serve(fake, "/x.png", b"oops", "text/plain", status=503)
    error = refused(fake, client, "/x.png")
    assert not error.permanent and error.status == 503


def test_an_html_page_is_refused(fake, client):
    serve(fake, "/x.png", b"<html>Sign in</html>", "text/html; charset=utf-8")
    error = refused(fake, client, "/x.png")
    assert error.permanent and "text/html, not an image" in error.message


def test_a_body_over_the_limit_with_content_length_is_refused(fake, client):
    serve(fake, "/big.png", PNG + bytes(20_000))
    error = refused(fake, client, "/big.png", max_bytes=10_000)
    assert error.permanent and error.code == "too_large"


def test_a_declared_length_over_the_limit_is_refused_before_reading_the_body(fake, client):
    # The body is cut short: reading it would be a network error, not too_large.
    assert refused(fake, client, "/liar/x.png", max_bytes=MB).code == "too_large"


def test_a_chunked_body_over_the_limit_is_cut_off_while_streaming(fake, client):
    started = time.monotonic()
    error = refused(fake, client, "/chunked/x.png", max_bytes=MB)
    assert error.code == "too_large" and "1 MB limit" in error.message
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5  # we hung up long before the server's 64 MB were sent
    while not fake.hung_up and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.hung_up


def test_junk_labelled_png_is_refused_by_pillow(fake, client):
    serve(fake, "/x.png", b"<?xml version='1.0'?><Error>AccessDenied</Error>" * 3)
    error = refused(fake, client, "/x.png")
    assert error.permanent and error.code == "bad_image"
    assert "not a valid image" in error.message


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused(fake, client, fmt):
    whole = png_bytes(300, 200, fmt=fmt)
    serve(fake, "/whole", whole, f"image/{fmt.lower()}")
    serve(fake, "/cut", whole[: len(whole) * 2 // 3], f"image/{fmt.lower()}")
    assert get(fake, client, "/whole") == whole
    error = refused(fake, client, "/cut")
    assert error.code == "bad_image" and "not a valid image" in error.message


def test_a_format_we_do_not_keep_is_refused(fake, client):
    serve(fake, "/x.tif", png_bytes(8, 8, fmt="TIFF"), "image/tiff")
    assert "Unsupported image format TIFF" in refused(fake, client, "/x.tif").message


def test_an_empty_body_is_refused(fake, client):
    serve(fake, "/x.png", b"")
    assert "empty image" in refused(fake, client, "/x.png").message


@pytest.mark.parametrize("size", [20_000, 9_000])  # past Pillow's error, and its warning
def test_a_decompression_bomb_is_refused_without_decoding(fake, client, monkeypatch, size):
    bomb = bomb_png(size)
    assert len(bomb) < 100_000
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    serve(fake, "/bomb.png", bomb)
    error = refused(fake, client, "/bomb.png")
    assert error.permanent and error.code == "bad_image"
    assert "too large" in error.message or "larger than allowed" in error.message
    assert decoded == []


def test_the_bomb_is_a_real_png(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # no bomb warning: this test wants to look
    with Image.open(io.BytesIO(bomb_png(9_000))) as im:
        assert (im.format, im.mode, im.size) == ("PNG", "1", (9000, 9000))
        im.verify()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.png",
                                 "data:image/png;base64,iVBORw0KGgo=", "http:///x.png", "//x/y.png"])
def test_a_non_http_url_is_refused(fake, client, url):
    error = refused(fake, client, "", url=url)
    assert error.permanent and error.code == "bad_url"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "[::1]", "10.0.0.7",
                                  "169.254.169.254", "192.168.1.10", "0.0.0.0"])
def test_a_private_address_that_is_not_the_connections_host_is_refused(fake, client, host):
    serve(fake, "/x.png", PNG)
    port = fake.url.rsplit(":", 1)[1]
    error = refused(fake, client, "", url=f"http://{host}:{port}/x.png", own_url="http://example.invalid")
    assert error.permanent and error.code == "bad_url" and "private network" in error.message
    assert fake.requests == []


def test_an_unresolvable_host_is_refused_too(fake, client):
    error = refused(fake, client, "", url="http://no-such-host.invalid/x.png", own_url="http://example.invalid")
    assert error.code == "bad_url"


def test_a_redirect_is_followed_and_each_hop_is_checked(fake, client):
    serve(fake, "/x.png", PNG)
    fake.files["/short"] = Reply(302, b"", headers={"Location": "/x.png"})
    assert get(fake, client, "/short") == PNG
    assert [r.path for r in fake.requests] == ["/short", "/x.png"]


def test_a_redirect_into_a_private_network_is_not_followed(fake, client):
    fake.files["/short"] = Reply(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data"})
    assert refused(fake, client, "/short").code == "bad_url"


def test_a_redirect_loop_stops(fake, client):
    fake.files["/loop"] = Reply(301, b"", headers={"Location": "/loop"})
    error = refused(fake, client, "/loop")
    assert error.permanent and "redirected too many times" in error.message
    assert len(fake.requests) == 4


def test_a_dead_server_is_a_passing_error(client):
    with FakeFiles() as gone:
        url = gone.url + "/x.png"
    with pytest.raises(ProviderError) as info:
        download_image(url, client=client, own_url=url, max_bytes=MB)
    assert not info.value.permanent and info.value.code == "connect"

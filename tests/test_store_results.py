"""Storing a result: one decode, a thumbnail from it, and parameters other tools can read."""
import io
import struct

import pytest
from PIL import Image as PILImage
from PIL import ImageFile

from gallery import metadata
from gallery.services import image_store
from providers.models import ProviderConnection
from studio.models import Job
from tests.fakes.a1111 import FakeA1111

from .test_metadata import picture

SD15 = "v1-5-pruned-emaonly.safetensors [6ce0161689]"


@pytest.fixture
def job(member, local_connection):
    return Job.objects.create(owner=member, connection=local_connection, connection_name=local_connection.name,
                              model_id="placeholder", model_label="Offline placeholder", prompt="a fox",
                              negative_prompt="", params={"width": 64, "height": 48, "n": 1}, seed=9)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_result_is_decoded_once(job, media_root, monkeypatch, fmt):
    loads = []
    real_load = ImageFile.ImageFile.load

    def counting_load(self):  # one picture object decodes once, however often load() is called
        if not any(seen is self for seen in loads):
            loads.append(self)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    image = image_store(job=job, index=0, data=picture(fmt), seed=9)
    assert len(loads) == 1, f"{len(loads)} decodes"
    monkeypatch.undo()
    with PILImage.open(image.thumbnail) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (64, 48)
    assert metadata.read(image.file.read())["prompt"] == "a fox"


def test_a_large_result_gets_a_512_px_thumbnail(job, media_root):
    out = io.BytesIO()
    PILImage.new("RGB", (1536, 1024), "navy").save(out, "PNG")
    image = image_store(job=job, index=0, data=out.getvalue(), seed=9)
    with PILImage.open(image.thumbnail) as thumb:
        assert thumb.size == (512, 341)


def exif_types(jpeg: bytes) -> dict[int, int]:
    """Tag → TIFF type of the EXIF IFD, read by hand from the APP1 segment."""
    start = jpeg.index(b"Exif\0\0") + 6
    tiff = jpeg[start:]
    order = "<" if tiff[:2] == b"II" else ">"

    def entries(offset):
        (count,) = struct.unpack_from(order + "H", tiff, offset)
        return [struct.unpack_from(order + "HHII", tiff, offset + 2 + 12 * i) for i in range(count)]

    exif_ifd = next(value for tag, _, _, value in entries(struct.unpack_from(order + "I", tiff, 4)[0])
                    if tag == 0x8769)
    return {tag: kind for tag, kind, _, _ in entries(exif_ifd)}


def test_user_comment_is_undefined_with_the_unicode_prefix(job, media_root):
    stored = image_store(job=job, index=0, data=picture("JPEG"), seed=9).file.read()
    types = exif_types(stored)
    assert types[0x9286] == 7 and types[0x927C] == 7  # UNDEFINED, as piexif writes them
    with PILImage.open(io.BytesIO(stored)) as im:
        comment = im.getexif().get_ifd(0x8769)[0x9286]
    assert comment.startswith(b"UNICODE\0") and comment[8:].decode("utf-16-be").startswith("a fox\nSteps: ")


def test_an_a1111_result_keeps_its_own_parameters(member_client, media_root, django_capture_on_commit_callbacks):
    with FakeA1111() as fake:
        conn = ProviderConnection.objects.create(kind="a1111", name="GPU box", base_url=fake.url,
                                                 discovered_models=[SD15], options={"poll_interval": 0.02})
        data = {"prompt": "a red fox in snow", "negative_prompt": "blurry", "model": f"{conn.pk}:{SD15}",
                "width": 64, "height": 64, "n": 1, "seed": 1234, "steps": 12, "guidance": 6,
                "sampler": "DPM++ 2M"}
        with django_capture_on_commit_callbacks(execute=True):
            member_client.post("/", data, HTTP_HX_REQUEST="true")
    stored = Job.objects.get().images.get().file.read()
    text = metadata.read_container(stored).texts["parameters"]
    assert text.startswith("a red fox in snow\nNegative prompt: blurry\nSteps: 12, Sampler: DPM++ 2M, ")
    for kept in ("Schedule type: Automatic", "Seed: 1234", "VAE: sdxl_vae.safetensors",
                 'Lora hashes: "add_detail: 7c6bad76eb54"'):
        assert kept in text
    assert text.endswith("Version: v1.10.1")
    ours = metadata.read(stored)
    assert ours["source"] == "image-studio" and ours["model"] == f"{conn.pk}:{SD15}" and ours["seed"] == 1234

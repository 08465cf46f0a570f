"""Restore from files as AUTOMATIC1111 and ComfyUI write them, and from hostile ones.

The A1111 and ComfyUI files are made with the same Pillow calls those programs
make: A1111's ``save_image_with_geninfo`` (``PngInfo.add_text("parameters",
geninfo)``) and ComfyUI's ``SaveImage`` (``add_text("prompt", json.dumps(prompt))``
and ``add_text("workflow", json.dumps(workflow))``, ``compress_level=4``).
"""
import io
import json
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageFile
from PIL.PngImagePlugin import PngInfo

from gallery import metadata
from providers.models import ProviderConnection
from studio.models import Job

from .test_metadata import A1111_SAMPLE

URL = "/compose/from-file/"
COMFY_CHECKPOINT = "SDXL/juggernautXL_v9.safetensors"
A1111_CHECKPOINT = "dreamshaper_8.safetensors [879db523c3]"
SEED_MAX_64 = 2**64 - 1
# ComfyUI's default graph in API format, with a LoRA, clip skip, a separate
# VAE and a second, upscaled pass (hires fix) added the usual way.
COMFY_PROMPT = {
    "3": {"inputs": {"seed": SEED_MAX_64, "steps": 28, "cfg": 6.5, "sampler_name": "dpmpp_2m",
                     "scheduler": "karras", "denoise": 1, "model": ["12", 0], "positive": ["6", 0],
                     "negative": ["7", 0], "latent_image": ["5", 0]},
          "class_type": "KSampler", "_meta": {"title": "KSampler"}},
    "4": {"inputs": {"ckpt_name": COMFY_CHECKPOINT}, "class_type": "CheckpointLoaderSimple",
          "_meta": {"title": "Load Checkpoint"}},
    "5": {"inputs": {"width": 832, "height": 1216, "batch_size": 2}, "class_type": "EmptyLatentImage",
          "_meta": {"title": "Empty Latent Image"}},
    "6": {"inputs": {"text": "a lighthouse at dusk, (volumetric light:1.2), film grain", "clip": ["13", 0]},
          "class_type": "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode (Prompt)"}},
    "7": {"inputs": {"text": "text, watermark", "clip": ["13", 0]}, "class_type": "CLIPTextEncode",
          "_meta": {"title": "CLIP Text Encode (Prompt)"}},
    "8": {"inputs": {"samples": ["11", 0], "vae": ["14", 0]}, "class_type": "VAEDecode",
          "_meta": {"title": "VAE Decode"}},
    "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage",
          "_meta": {"title": "Save Image"}},
    "10": {"inputs": {"upscale_method": "nearest-exact", "scale_by": 1.5, "samples": ["3", 0]},
           "class_type": "LatentUpscaleBy", "_meta": {"title": "Upscale Latent By"}},
    "11": {"inputs": {"seed": 7, "steps": 12, "cfg": 6.5, "sampler_name": "dpmpp_2m", "scheduler": "karras",
                      "denoise": 0.45, "model": ["12", 0], "positive": ["6", 0], "negative": ["7", 0],
                      "latent_image": ["10", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}},
    "12": {"inputs": {"lora_name": "add_detail.safetensors", "strength_model": 0.8, "strength_clip": 0.8,
                      "model": ["4", 0], "clip": ["4", 1]}, "class_type": "LoraLoader",
           "_meta": {"title": "Load LoRA"}},
    "13": {"inputs": {"stop_at_clip_layer": -2, "clip": ["12", 1]}, "class_type": "CLIPSetLastLayer",
           "_meta": {"title": "CLIP Set Last Layer"}},
    "14": {"inputs": {"vae_name": "sdxl_vae.safetensors"}, "class_type": "VAELoader",
           "_meta": {"title": "Load VAE"}},
}
COMFY_WORKFLOW = {"last_node_id": 14, "last_link_id": 20, "nodes": [
    {"id": 3, "type": "KSampler", "pos": [863, 186], "size": [315, 262], "flags": {}, "order": 6, "mode": 0,
     "widgets_values": [SEED_MAX_64, "fixed", 28, 6.5, "dpmpp_2m", "karras", 1]},
    {"id": 4, "type": "CheckpointLoaderSimple", "pos": [26, 474], "widgets_values": [COMFY_CHECKPOINT]},
], "links": [[1, 4, 0, 3, 0, "MODEL"]], "groups": [], "config": {}, "extra": {}, "version": 0.4}


def picture(size=(32, 32), colour="teal") -> PILImage.Image:
    return PILImage.new("RGB", size, colour)


def a1111_png(geninfo: str = A1111_SAMPLE) -> bytes:
    """modules/images.py save_image_with_geninfo, PNG branch."""
    pnginfo_data = PngInfo()
    pnginfo_data.add_text("parameters", str(geninfo))
    out = io.BytesIO()
    picture().save(out, format="PNG", quality=80, pnginfo=pnginfo_data)
    return out.getvalue()


def piexif_user_comment_exif(text: str) -> bytes:
    """``piexif.dump({"Exif": {UserComment: UserComment.dump(text, encoding="unicode")}})``, byte for byte.

    piexif writes big-endian TIFF; IFD0 holds only the Exif pointer; the Exif IFD
    has no next-IFD field; UserComment is UNDEFINED with its value after the IFD.
    """
    comment = b"UNICODE\0" + text.encode("utf_16_be")
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", 0x8769, 4, 1, 8 + 18) + b"\0\0\0\0"
    exif_ifd = struct.pack(">H", 1) + struct.pack(">HHII", 0x9286, 7, len(comment), 8 + 18 + 14)
    return b"Exif\x00\x00\x4d\x4d\x00\x2a\x00\x00\x00\x08" + ifd0 + exif_ifd + comment


def piexif_insert(exif: bytes, jpeg: bytes) -> bytes:
    """``piexif.insert`` on a JPEG Pillow wrote: the APP1 takes the place of the JFIF APP0."""
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    assert jpeg[2:4] == b"\xff\xe0"
    app0_end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:2] + app1 + jpeg[app0_end:]


def a1111_jpeg(geninfo: str = A1111_SAMPLE) -> bytes:
    """modules/images.py save_image_with_geninfo, JPEG branch: Pillow saves, piexif inserts the EXIF."""
    out = io.BytesIO()
    picture().save(out, format="JPEG", quality=80, lossless=False)
    return piexif_insert(piexif_user_comment_exif(geninfo), out.getvalue())


def comfyui_png(prompt: dict = COMFY_PROMPT, workflow: dict = COMFY_WORKFLOW) -> bytes:
    """nodes.py SaveImage.save_images."""
    metadata_ = PngInfo()
    metadata_.add_text("prompt", json.dumps(prompt))
    for key, value in {"workflow": workflow}.items():
        metadata_.add_text(key, json.dumps(value))
    out = io.BytesIO()
    picture().save(out, pnginfo=metadata_, compress_level=4, format="PNG")
    return out.getvalue()


def upload(client, data: bytes, **fields):
    file = SimpleUploadedFile("picture.png", data, content_type="image/png")
    return client.post(URL, {"file": file, **fields}, HTTP_HX_REQUEST="true")


@pytest.fixture
def comfy_box(db):
    return ProviderConnection.objects.create(kind="comfyui", name="Comfy box", base_url="http://comfy:8188",
                                             discovered_models=[COMFY_CHECKPOINT])


@pytest.fixture
def gpu_box(db):
    return ProviderConnection.objects.create(kind="a1111", name="GPU box", base_url="http://gpu-box:7860",
                                             discovered_models=[A1111_CHECKPOINT])


@pytest.fixture
def local_key(local_connection):
    return f"{local_connection.pk}:placeholder"


# --- AUTOMATIC1111 ---------------------------------------------------------------

def test_a1111_png_says_what_it_could_not_apply_but_not_the_folded_schedule(member_client, gpu_box, local_key):
    response = upload(member_client, a1111_png(), model=local_key)
    form, html = response.context["form"], response.content.decode()
    assert form.choice.key == f"{gpu_box.pk}:{A1111_CHECKPOINT}"
    assert form.initial["sampler"] == "DPM++ 2M Karras"  # "Schedule type: Karras" folded in
    assert "Restored prompt, negative prompt, size, seed, steps, CFG scale, sampler." in html
    assert "Not restored here" not in html and "schedule type" not in html
    assert "Not applied (the studio has no such setting): clip skip, hires fix, VAE." in html


def test_a1111_jpeg_restores_like_its_png(member_client, gpu_box):
    response = upload(member_client, a1111_jpeg())
    form = response.context["form"]
    assert form.choice.key == f"{gpu_box.pk}:{A1111_CHECKPOINT}"
    expected = {"prompt": A1111_SAMPLE.split("\nNegative prompt: ")[0], "seed": 3141592653, "steps": 30,
                "guidance": 6.5, "sampler": "DPM++ 2M Karras", "width": 512, "height": 768,
                "negative_prompt": "lowres, bad anatomy, (worst quality:1.4)"}
    assert {k: form.initial.get(k) for k in expected} == expected


def test_the_jpeg_helper_is_what_piexif_writes():
    piexif = pytest.importorskip("piexif")
    import piexif.helper

    exif = piexif.dump({"Exif": {piexif.ExifIFD.UserComment: piexif.helper.UserComment.dump(A1111_SAMPLE,
                                                                                             encoding="unicode")}})
    assert piexif_user_comment_exif(A1111_SAMPLE) == exif
    out = io.BytesIO()
    picture().save(out, format="JPEG", quality=80)
    written = io.BytesIO()
    piexif.insert(exif, out.getvalue(), written)
    assert piexif_insert(exif, out.getvalue()) == written.getvalue()


def test_a1111_automatic_schedule_is_the_samplers_own(member_client, gpu_box):
    text = A1111_SAMPLE.replace("Schedule type: Karras", "Schedule type: Automatic")
    response = upload(member_client, a1111_png(text))
    assert response.context["form"].initial["sampler"] == "DPM++ 2M"
    assert "schedule type" not in response.content.decode()


def test_a1111_schedule_that_cannot_be_folded_is_reported(member_client, gpu_box):
    text = A1111_SAMPLE.replace("Schedule type: Karras", "Schedule type: Exponential")
    html = upload(member_client, a1111_png(text)).content.decode()
    assert "Not restored here: schedule type." in html


# --- ComfyUI ---------------------------------------------------------------------

def test_comfyui_png_fills_the_form_for_a_comfyui_checkpoint(member_client, comfy_box, gpu_box, local_key):
    response = upload(member_client, comfyui_png(), model=local_key)
    form, html = response.context["form"], response.content.decode()
    assert form.choice.key == f"{comfy_box.pk}:{COMFY_CHECKPOINT}"
    expected = {"prompt": "a lighthouse at dusk, (volumetric light:1.2), film grain",
                "negative_prompt": "text, watermark", "seed": SEED_MAX_64, "steps": 28, "guidance": 6.5,
                "sampler": "dpmpp_2m", "scheduler": "karras", "width": 832, "height": 1216, "n": 2}
    assert {k: form.initial.get(k) for k in expected} == expected
    assert "Not restored here" not in html
    assert "Not applied (the studio has no such setting): clip skip, hires fix, LoRA, VAE." in html


def test_comfyui_sampler_is_translated_for_an_a1111_checkpoint(member_client, db):
    box = ProviderConnection.objects.create(kind="a1111", name="GPU box", base_url="http://gpu-box:7860",
                                            discovered_models=["juggernautXL_v9.safetensors [0123456789]"])
    response = upload(member_client, comfyui_png())
    form, html = response.context["form"], response.content.decode()
    assert form.choice.key == f"{box.pk}:juggernautXL_v9.safetensors [0123456789]"
    assert form.initial["sampler"] == "DPM++ 2M Karras" and "scheduler" not in form.initial
    # A1111 takes seeds below 2**32: a ComfyUI seed above that cannot be kept.
    assert "seed" not in form.initial and "Not restored here: seed." in html


def test_a_64_bit_seed_is_accepted_for_comfyui_only(member_client, comfy_box, local_key):
    comfy_key = f"{comfy_box.pk}:{COMFY_CHECKPOINT}"
    member_client.post("/", {"prompt": "dunes", "model": comfy_key, "width": 512, "height": 512, "n": 1,
                             "seed": SEED_MAX_64, "steps": 20, "guidance": 7}, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    job.refresh_from_db()
    assert job.seed == SEED_MAX_64  # kept whole through the database
    assert Job.objects.filter(seed=SEED_MAX_64).count() == 1
    response = member_client.post("/", {"prompt": "dunes", "model": local_key, "width": 512, "height": 512,
                                        "n": 1, "seed": SEED_MAX_64}, HTTP_HX_REQUEST="true")
    assert "Ensure this value is less than or equal to 4294967295." in response.content.decode()
    assert Job.objects.count() == 1


def test_a_graph_without_a_sampler_restores_nothing(member_client, local_key):
    data = comfyui_png(prompt={"1": {"class_type": "LoadImage", "inputs": {"image": "x.png"}}})
    html = upload(member_client, data, model=local_key).content.decode()
    assert "This file carries no generation parameters." in html


# --- hostile files ---------------------------------------------------------------

def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@pytest.fixture(scope="module")
def huge_sparse_png() -> bytes:
    """A 7999×7999 RGBA PNG of about 250 KB (all zero), its parameters after IDAT."""
    side = 7999
    row = b"\0" * (1 + side * 4)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
            + png_chunk(b"IDAT", idat)
            + png_chunk(b"tEXt", b"parameters\0" + A1111_SAMPLE.encode("latin-1"))
            + png_chunk(b"IEND", b""))


def test_a_huge_sparse_png_is_read_without_decoding_a_pixel(member_client, local_key, gpu_box, monkeypatch,
                                                            huge_sparse_png):
    assert len(huge_sparse_png) < 300_000

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("restore decoded the picture")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(PILImage.Image, "load", no_decoding)
    response = upload(member_client, huge_sparse_png, model=local_key)
    assert response.context["form"].initial["seed"] == 3141592653  # the text after IDAT was found


def test_a_long_parameters_line_answers_at_once(member_client, local_key):
    info = PngInfo()
    info.add_text("parameters", "a" * 60_000)
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info)
    started = time.monotonic()
    html = upload(member_client, out.getvalue(), model=local_key).content.decode()
    assert time.monotonic() - started < 1
    assert "This file carries no generation parameters." in html


def crafted(kind: str) -> bytes:
    """About 12 MB of the smallest steps each format's walk can take."""
    if kind == "png":
        head = a1111_png()[:33]  # signature and IHDR
        return head + png_chunk(b"zzZz", b"") * 1_000_000
    if kind == "jpeg":
        return b"\xff\xd8" + b"\xff" * 12_000_000
    return b"RIFF\0\0\0\0WEBP" + b"JUNK\0\0\0\0" * 1_500_000


@pytest.mark.parametrize("kind", ["png", "jpeg", "webp"])
def test_a_file_of_countless_tiny_chunks_answers_at_once(member_client, local_key, kind):
    data = crafted(kind)
    started = time.monotonic()
    response = upload(member_client, data, model=local_key)
    assert time.monotonic() - started < 1
    assert response.status_code == 200 and response.context["restore_error"]


def test_an_over_long_parameters_text_is_refused_by_name(member_client, local_key):
    html = upload(member_client, a1111_png("a, " * 60_000 + "\nSteps: 1, Sampler: Euler, Seed: 1"),
                  model=local_key).content.decode()
    assert "parameters text is longer than 128 KB" in html


@pytest.mark.parametrize("field,value,message", [
    ("model", ["7:placeholder"], "“model” must be text, not a list"),
    ("seed", "12", "“seed” must be a whole number from 0 to 18446744073709551615, not text"),
    ("seed", 2**64, "“seed” must be a whole number"),
    ("width", {"px": 3}, "“width” must be a whole number from 1 to 100000, not an object"),
    ("params", [1, 2], "“params” must be an object, not a list"),
    ("prompt", None, "“prompt” must be text, not null"),
])
def test_our_json_with_a_wrong_type_gets_a_clear_error(member_client, local_key, field, value, message):
    fields = {"prompt": "a fox", "model": "7:placeholder", "seed": 1, "width": 32, "height": 32,
              "params": {"n": 1}} | {field: value}
    data = metadata.embed(a1111_png(), fields)
    response = upload(member_client, data, model=local_key, prompt="what I typed")
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "what I typed" in html


def test_our_json_that_is_not_an_object_gets_a_clear_error(member_client, local_key):
    info = PngInfo()
    info.add_text("image-studio", "[1, 2, 3]")
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info)
    html = upload(member_client, out.getvalue(), model=local_key).content.decode()
    assert "The image-studio data in this file must be a JSON object, not a list." in html


def test_a_gif_is_an_image_without_parameters(member_client, local_key):
    out = io.BytesIO()
    picture().save(out, "GIF")
    html = upload(member_client, out.getvalue(), model=local_key).content.decode()
    assert "This file carries no generation parameters." in html

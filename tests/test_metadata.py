"""Parameters inside image files: our format, AUTOMATIC1111's, and storing."""
import hashlib
import io
import json

import pytest
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from gallery import metadata
from gallery.metadata import MetadataError, a1111_string, embed, parse_a1111, read
from gallery.services import image_store
from studio.models import Job

FIELDS = {
    "prompt": "a red fox in snow,\nwinter light", "negative_prompt": "blurry, low quality", "seed": 1234,
    "model": "7:dreamshaper_8.safetensors [879db523c3]", "model_id": "dreamshaper_8.safetensors [879db523c3]",
    "model_label": "Server checkpoint", "connection_name": "GPU box", "width": 512, "height": 768,
    "params": {"width": 512, "height": 768, "n": 1, "steps": 28, "guidance": 7.5, "sampler": "DPM++ 2M Karras",
               "style": "photo: vivid"},
}
# As AUTOMATIC1111 1.10 writes it: a two-line prompt, a quoted value, keys we don't have.
A1111_SAMPLE = (
    "masterpiece, best quality, 1girl, (blue hair:1.2), looking at viewer,\n"
    "outdoors, cherry blossoms\n"
    "Negative prompt: lowres, bad anatomy, (worst quality:1.4)\n"
    "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, "
    "Size: 512x768, Model hash: 879db523c3, Model: dreamshaper_8, VAE hash: 735e4c3a44, "
    "Denoising strength: 0.45, Clip skip: 2, Hires upscale: 2, Hires upscaler: Latent, "
    'Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1'
)


def picture(fmt: str, **options) -> bytes:
    im = PILImage.radial_gradient("L").resize((64, 48)).convert("RGB")
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    with PILImage.open(io.BytesIO(data)) as im:
        return im.convert("RGBA").tobytes()


def user_comment(text: str) -> bytes:
    """EXIF UserComment the way A1111 writes it (piexif, encoding="unicode")."""
    return b"UNICODE\0" + text.encode("utf-16-be")


def test_the_string_reads_like_automatic1111():
    assert a1111_string(FIELDS) == (
        "a red fox in snow,\nwinter light\n"
        "Negative prompt: blurry, low quality\n"
        "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1234, Size: 512x768, "
        'Model hash: 879db523c3, Model: dreamshaper_8, Style: "photo: vivid", Version: Image Studio')


def test_the_string_parses_back():
    parsed = parse_a1111(a1111_string(FIELDS))
    assert parsed["prompt"] == FIELDS["prompt"] and parsed["negative_prompt"] == FIELDS["negative_prompt"]
    assert (parsed["steps"], parsed["sampler"], parsed["guidance"], parsed["seed"]) == \
        (28, "DPM++ 2M Karras", 7.5, 1234)
    assert (parsed["width"], parsed["height"], parsed["model_name"]) == (512, 768, "dreamshaper_8")
    assert parsed["style"] == "photo: vivid"


def test_a_model_without_steps_still_gets_a_parameters_line():
    text = a1111_string({"prompt": "a cat", "model_id": "dall-e-3", "width": 1024, "height": 1024,
                         "params": {"size": "1024x1024", "quality": "hd"}})
    # The readers need Steps first and a Sampler; "n/a" says the model has none.
    assert text == ("a cat\nSteps: n/a, Sampler: n/a, Seed: n/a, Size: 1024x1024, Model: dall-e-3, "
                    "Quality: hd, Version: Image Studio")
    parsed = parse_a1111(text)
    assert parsed["prompt"] == "a cat" and "steps" not in parsed and "seed" not in parsed


def test_parse_real_automatic1111_output():
    parsed = parse_a1111(A1111_SAMPLE)
    assert parsed["prompt"] == ("masterpiece, best quality, 1girl, (blue hair:1.2), looking at viewer,\n"
                                "outdoors, cherry blossoms")
    assert parsed["negative_prompt"] == "lowres, bad anatomy, (worst quality:1.4)"
    expected = {"steps": 30, "sampler": "DPM++ 2M", "scheduler": "Karras", "guidance": 6.5,
                "seed": 3141592653, "width": 512, "height": 768, "model_hash": "879db523c3",
                "model_name": "dreamshaper_8", "clip_skip": "2", "version": "v1.10.1",
                "lora_hashes": "add_detail: 7c6bad76eb54", "hires_upscaler": "Latent"}
    assert {k: parsed[k] for k in expected} == expected


def test_parse_without_negative_prompt():
    parsed = parse_a1111("a lighthouse\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 768x512")
    assert parsed["prompt"] == "a lighthouse" and parsed["negative_prompt"] == ""
    assert (parsed["width"], parsed["height"], parsed["sampler"]) == (768, 512, "Euler a")


def test_png_round_trip_keeps_the_pixels_and_the_other_chunks():
    info = PngInfo()
    info.add_text("workflow", "{}")
    original = picture("PNG", pnginfo=info)
    data = embed(original, FIELDS)
    with PILImage.open(io.BytesIO(data)) as im:
        assert im.info["parameters"] == a1111_string(FIELDS)
        assert json.loads(im.info["image-studio"]) == FIELDS
        assert im.info["workflow"] == "{}"
    assert pixels(data) == pixels(original)
    again = embed(data, FIELDS | {"seed": 99})  # replaces our chunks, never duplicates them
    assert again.count(b"parameters\0") == again.count(b"image-studio\0") == 1
    assert read(again)["seed"] == 99


def test_text_beyond_latin_1_goes_in_an_itxt_chunk():
    fields = FIELDS | {"prompt": "桜の下の狐"}
    data = embed(picture("PNG"), fields)
    assert b"iTXtparameters" in data
    with PILImage.open(io.BytesIO(data)) as im:
        assert im.info["parameters"].startswith("桜の下の狐\n")
    assert read(data)["prompt"] == "桜の下の狐"


@pytest.mark.parametrize("fmt,options", [("JPEG", {"quality": 90}), ("WEBP", {"quality": 80}),
                                         ("WEBP", {"lossless": True})])
def test_exif_round_trip_keeps_the_pixels(fmt, options):
    original = picture(fmt, **options)
    data = embed(original, FIELDS)
    with PILImage.open(io.BytesIO(data)) as im:
        exif = im.getexif().get_ifd(0x8769)
    assert exif[0x9286] == user_comment(a1111_string(FIELDS))
    assert json.loads(exif[0x927C].removeprefix(b"image-studio\0")) == FIELDS
    assert pixels(data) == pixels(original)
    # The compressed picture is copied, not re-encoded: no generation loss.
    picture_data = original[original.index(b"\xff\xda"):] if fmt == "JPEG" else original[12:]
    assert picture_data in data


def test_webp_with_alpha_keeps_its_alpha():
    im = PILImage.new("RGBA", (32, 32), (255, 0, 0, 128))
    out = io.BytesIO()
    im.save(out, "WEBP", lossless=True)
    data = embed(out.getvalue(), FIELDS)
    assert pixels(data) == pixels(out.getvalue())
    assert read(data)["prompt"] == FIELDS["prompt"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_read_returns_compose_fields(fmt):
    values = read(embed(picture(fmt), FIELDS))
    assert values["source"] == "image-studio"
    expected = {"prompt": FIELDS["prompt"], "negative_prompt": FIELDS["negative_prompt"], "seed": 1234,
                "model": FIELDS["model"], "width": 512, "height": 768, "steps": 28, "guidance": 7.5,
                "sampler": "DPM++ 2M Karras", "n": 1, "style": "photo: vivid"}
    assert {k: values[k] for k in expected} == expected


def test_read_a_png_written_by_automatic1111():
    info = PngInfo()
    info.add_text("parameters", A1111_SAMPLE)
    values = read(picture("PNG", pnginfo=info))
    assert values["source"] == "a1111"
    assert (values["steps"], values["guidance"], values["seed"], values["width"], values["height"]) == \
        (30, 6.5, 3141592653, 512, 768)
    assert values["negative_prompt"] == "lowres, bad anatomy, (worst quality:1.4)"


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_read_a_jpeg_or_webp_written_by_automatic1111(fmt):
    exif = PILImage.Exif()
    text = A1111_SAMPLE.replace("cherry blossoms", "桜")  # UTF-16 matters beyond ASCII
    exif.get_ifd(0x8769)[0x9286] = user_comment(text)
    values = read(picture(fmt, exif=exif.tobytes()))
    assert values["source"] == "a1111"
    assert values["prompt"].endswith("outdoors, 桜")
    assert (values["sampler"], values["model_name"], values["seed"]) == ("DPM++ 2M", "dreamshaper_8", 3141592653)


def test_a_file_without_parameters_reads_empty():
    assert read(picture("PNG")) == {}
    assert read(picture("JPEG")) == {}
    assert read(b"not an image") == {}
    with pytest.raises(MetadataError):
        embed(picture("GIF"), FIELDS)


@pytest.fixture
def job(member, local_connection):
    return Job.objects.create(owner=member, connection=local_connection, connection_name=local_connection.name,
                              model_id="placeholder", model_label="Offline placeholder", prompt="a fox",
                              negative_prompt="blurry", params={"width": 64, "height": 48, "n": 1}, seed=9)


def test_image_store_embeds_and_describes_the_stored_bytes(job, media_root):
    image = image_store(job=job, index=0, data=picture("PNG"), seed=9)
    stored = image.file.read()
    assert image.bytes == len(stored) and image.sha256 == hashlib.sha256(stored).hexdigest()
    values = read(stored)
    assert (values["prompt"], values["negative_prompt"], values["seed"]) == ("a fox", "blurry", 9)
    assert values["model"] == f"{job.connection_id}:placeholder"
    assert values["connection_name"] == job.connection_name and values["width"] == 64


def test_image_store_keeps_the_image_when_embedding_fails(job, media_root, monkeypatch, caplog):
    def broken(data, fields):
        raise RuntimeError("boom")

    monkeypatch.setattr(metadata, "embed", broken)
    original = picture("PNG")
    image = image_store(job=job, index=0, data=original, seed=9)
    assert image.file.read() == original
    assert image.sha256 == hashlib.sha256(original).hexdigest()
    assert "without its parameters" in caplog.text

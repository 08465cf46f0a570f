"""The usual tools read what the studio stores: sd-parsers and sd-prompt-reader, run for real.

Files are made by ``image_store`` as a job's result, in PNG, JPEG and WebP, for
a GPT image model (no seed, steps or sampler), a FLUX model (a seed, no steps or
sampler), the offline renderer and an AUTOMATIC1111 checkpoint whose result
already carries A1111's own infotext.
"""
import io

import pytest
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from gallery.services import image_store
from providers.models import ProviderConnection
from studio.models import Job

from .test_metadata import A1111_SAMPLE, picture

FORMATS = [("PNG", {}), ("JPEG", {"quality": 90}), ("WEBP", {"quality": 80})]
PROMPT = "a lighthouse on a cliff, storm clouds\nsecond line of the prompt"
NEGATIVE = "people, text"
# (kind, model id, the name the readers should report, seed, params)
MODELS = {
    "gpt-image": ("openai", "gpt-image-2", "gpt-image-2", None,
                  {"size": "1024x1024", "quality": "high", "n": 1}),
    "flux": ("bfl", "flux-pro-1.1", "flux-pro-1.1", 4242, {"width": 64, "height": 48, "n": 1}),
    "offline": ("local", "placeholder", "placeholder", 77, {"width": 64, "height": 48, "n": 1}),
    "a1111": ("a1111", "dreamshaper_8.safetensors [879db523c3]", "dreamshaper_8", 3141592653,
              {"width": 64, "height": 48, "n": 1, "steps": 30, "guidance": 6.5, "sampler": "DPM++ 2M"}),
}


def a1111_result(fmt: str, options: dict) -> bytes:
    """An image as A1111's API returns it: its infotext in the PNG chunk or the EXIF UserComment."""
    if fmt == "PNG":
        info = PngInfo()
        info.add_text("parameters", A1111_SAMPLE)
        return picture("PNG", pnginfo=info)
    exif = PILImage.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + A1111_SAMPLE.encode("utf-16-be")
    return picture(fmt, exif=exif.tobytes(), **options)


@pytest.fixture
def stored(member, media_root, db):
    def store(model: str, fmt: str, options: dict) -> bytes:
        kind, model_id, _, seed, params = MODELS[model]
        connection = ProviderConnection.objects.get_or_create(kind=kind, defaults={"name": f"Team {kind}"})[0]
        prompt, negative = (A1111_SAMPLE.split("\nNegative prompt: ")[0], "lowres, bad anatomy, (worst quality:1.4)") \
            if model == "a1111" else (PROMPT, NEGATIVE)
        job = Job.objects.create(owner=member, connection=connection, connection_name=connection.name,
                                 model_id=model_id, model_label=model, prompt=prompt, negative_prompt=negative,
                                 params=params, seed=seed)
        data = a1111_result(fmt, options) if model == "a1111" else picture(fmt, **options)
        image = image_store(job=job, index=0, data=data, seed=seed)
        assert image.format == fmt
        return image.file.read()
    return store


def expected(model: str) -> dict:
    _, _, name, seed, _ = MODELS[model]
    if model == "a1111":
        return {"prompt": A1111_SAMPLE.split("\nNegative prompt: ")[0],
                "negative": "lowres, bad anatomy, (worst quality:1.4)", "seed": "3141592653", "model": name,
                "size": ("512", "768")}  # A1111's own Size (the generation size) is kept
    return {"prompt": PROMPT, "negative": NEGATIVE, "seed": str(seed) if seed is not None else "n/a",
            "model": name, "size": ("64", "48")}


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("fmt,options", FORMATS, ids=[f for f, _ in FORMATS])
def test_sd_parsers_reads_every_stored_file(stored, model, fmt, options):
    from sd_parsers import ParserManager

    info = ParserManager().parse(io.BytesIO(stored(model, fmt, options)))
    assert info is not None, "sd-parsers found no parameters"
    want = expected(model)
    assert info.full_prompt == want["prompt"]
    assert info.full_negative_prompt == want["negative"]
    sampler = info.samplers[0]
    assert sampler.parameters["seed"] == want["seed"]
    assert sampler.model.name == want["model"]
    assert tuple(info.metadata["Size"].split("x")) == want["size"]


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("fmt,options", FORMATS, ids=[f for f, _ in FORMATS])
def test_sd_prompt_reader_reads_every_stored_file(stored, model, fmt, options):
    # sd-prompt-reader imports piexif without declaring it (pyproject lists it for the tests).
    pytest.importorskip("piexif")
    from sd_prompt_reader.image_data_reader import ImageDataReader

    reader = ImageDataReader(io.BytesIO(stored(model, fmt, options)))
    want = expected(model)
    assert reader.tool == "A1111 webUI"
    assert reader.positive == want["prompt"]
    assert reader.negative == want["negative"]
    assert reader.parameter["seed"] == want["seed"]
    assert reader.parameter["model"] == want["model"]
    assert (reader.width, reader.height) == want["size"]


def test_a1111_result_keeps_its_own_settings_and_gains_ours(stored):
    from gallery.metadata import read_container

    text = read_container(stored("a1111", "PNG", {})).texts["parameters"]
    settings = text.rsplit("\n", 1)[1]
    # A1111's own pairs, in its order, with its version last…
    assert settings.startswith("Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5")
    for kept in ("VAE hash: 735e4c3a44", 'Lora hashes: "add_detail: 7c6bad76eb54"', "Clip skip: 2",
                 "Hires upscaler: Latent"):
        assert kept in settings
    assert settings.endswith("Version: v1.10.1") and "Image Studio" not in settings
    assert text.count("Steps:") == 1 and text.count("Seed:") == 1

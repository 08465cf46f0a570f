"""The offline renderer draws a different picture for a different prompt."""
from io import BytesIO

from PIL import Image, ImageStat

from providers.local import render


def mean_colour(data: bytes) -> list[float]:
    return ImageStat.Stat(Image.open(BytesIO(data)).convert("RGB")).mean


def distance(a: list[float], b: list[float]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def test_two_prompts_look_different():
    lighthouse = mean_colour(render("a lighthouse at dusk", 42, 256, 256))
    fox = mean_colour(render("a red fox in snow", 42, 256, 256))
    # 30 of 441 in RGB space: a difference anyone sees side by side in the gallery
    assert distance(lighthouse, fox) > 30


def test_seeds_of_one_prompt_change_the_layout():
    a = Image.open(BytesIO(render("a lighthouse at dusk", 1, 128, 128))).convert("L")
    b = Image.open(BytesIO(render("a lighthouse at dusk", 2, 128, 128))).convert("L")
    changed = sum(1 for x, y in zip(a.getdata(), b.getdata()) if abs(x - y) > 24)
    assert changed > 128 * 128 // 5


def test_tiny_and_wide_sizes_render():
    for size in ((16, 16), (2048, 256), (64, 1024)):
        assert Image.open(BytesIO(render("x", 0, *size))).size == size


def test_every_layout_fits_any_canvas():
    # each seed picks a layout (orbs, horizon, shards); none may draw outside its canvas and fail
    for seed in range(80):
        for size in ((512, 512), (64, 40), (3, 1)):
            assert Image.open(BytesIO(render("a fox", seed, *size))).size == size

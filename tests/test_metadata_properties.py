"""Properties of the metadata parser, checked with Hypothesis.

It never raises on any text, it stays linear (any 1 MB input in under 50 ms),
and what the studio writes reads back the same.
"""
import io
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from gallery import metadata
from gallery.metadata.comfyui import parse_comfyui
from gallery.metadata.infotext import MAX_INFOTEXT_CHARS, a1111_string, parse_a1111, pairs

MB = 2**20
# Characters that matter to the parser, so Hypothesis finds its corners fast.
SYNTAX = st.sampled_from(list('ab_ -/:,"\\\n\r\t ') + ["Negative prompt:", "Steps: ", "Size: 5x", "é", "桜"])
TRICKY = st.lists(SYNTAX, min_size=1, max_size=12).map("".join) | st.text(min_size=1, max_size=12)


def picture(fmt: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), "teal").save(out, fmt)
    return out.getvalue()


PICTURES = {fmt: picture(fmt) for fmt in ("PNG", "JPEG", "WEBP")}


def best_of_three(function, argument) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - started)
    return min(times)  # the machine is shared: the least noisy run is the parser's own cost


@given(st.text() | st.lists(SYNTAX).map("".join))
def test_the_parser_never_raises(text):
    parsed = parse_a1111(text)
    assert parsed == {} or isinstance(parsed["prompt"], str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs(text))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TRICKY)
def test_any_1_mb_input_parses_in_under_50_ms(unit):
    text = (unit * (MB // len(unit) + 1))[:MB]
    assert best_of_three(parse_a1111, text) < 0.05


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TRICKY)
def test_the_longest_text_still_parsed_takes_under_50_ms(unit):
    text = (unit * (MAX_INFOTEXT_CHARS // len(unit) + 1))[:MAX_INFOTEXT_CHARS]
    assert best_of_three(parse_a1111, text) < 0.05


@settings(max_examples=30, deadline=None)
@given(TRICKY)
def test_the_settings_scanner_is_linear_on_one_long_line(unit):
    line = (unit.replace("\n", " ") * (MB // len(unit) + 1))[:MB]
    assert best_of_three(pairs, line) < 0.05


LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
               min_size=1, max_size=40).map(str.strip).filter(lambda s: s and not s.startswith("Negative prompt:"))
WORDS = st.text(st.sampled_from(list("abcXYZ019 +-(),:.")), min_size=1, max_size=20).map(str.strip).filter(
    lambda s: s and s[0] != '"')


@given(prompt=st.lists(LINE, min_size=1, max_size=4).map("\n".join), negative=st.lists(LINE, max_size=3).map("\n".join),
       seed=st.none() | st.integers(0, 2**64 - 1), steps=st.none() | st.integers(1, 150), sampler=st.none() | WORDS,
       width=st.integers(1, 8192), height=st.integers(1, 8192))
def test_infotext_round_trip_keeps_the_fields(prompt, negative, seed, steps, sampler, width, height):
    fields = {"prompt": prompt, "negative_prompt": negative, "seed": seed, "model_id": "flux-pro-1.1",
              "width": width, "height": height, "params": {"steps": steps, "sampler": sampler}}
    parsed = parse_a1111(a1111_string(fields))
    assert (parsed["prompt"], parsed["negative_prompt"]) == (prompt, negative)
    assert (parsed.get("seed"), parsed.get("steps"), parsed.get("sampler")) == (seed, steps, sampler)
    assert (parsed["width"], parsed["height"], parsed["model_name"]) == (width, height, "flux-pro-1.1")


SCALAR = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20) \
    | st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(fmt=st.sampled_from(sorted(PICTURES)), prompt=st.text(max_size=200), negative=st.text(max_size=80),
       seed=st.none() | st.integers(0, 2**64 - 1), side=st.integers(1, 100_000),
       params=st.dictionaries(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8),
                              SCALAR, max_size=5))
def test_write_then_read_keeps_every_field(fmt, prompt, negative, seed, side, params):
    fields = {"prompt": prompt, "negative_prompt": negative, "seed": seed, "model": "3:gpt-image-2",
              "model_id": "gpt-image-2", "model_label": "GPT Image 2", "connection_name": "Team OpenAI",
              "width": side, "height": side, "params": params}
    back = metadata.read(metadata.embed(PICTURES[fmt], fields))
    assert back["source"] == "image-studio"
    for key in ("prompt", "negative_prompt", "seed", "model", "model_id", "model_label", "connection_name"):
        assert back[key] == fields[key]
    assert (back["width"], back["height"]) == (side, side)
    for key, value in params.items():
        if key not in fields and key not in ("width", "height", "source"):
            assert back[key] == value


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=6), children, max_size=4), max_leaves=30)


@given(JSON)
def test_comfyui_reader_never_raises_on_any_json(graph):
    import json

    parse_comfyui(json.dumps(graph))


@given(st.binary(max_size=400))
def test_reading_any_png_like_bytes_never_raises_but_metadata_error(tail):
    for head in (PICTURES["PNG"][:33], b"\xff\xd8\xff", b"RIFF\0\0\0\0WEBP"):
        try:
            metadata.read(head + tail)
        except metadata.MetadataError:
            pass


@pytest.mark.parametrize("fmt", sorted(PICTURES))
def test_embedding_is_idempotent(fmt):
    fields = {"prompt": "a fox", "seed": 3, "width": 8, "height": 8, "params": {"steps": 4}}
    once = metadata.embed(PICTURES[fmt], fields)
    assert metadata.embed(once, fields) == once

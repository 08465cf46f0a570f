"""docs/models.md matches the catalog, and the catalog's own data is sound."""
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from providers.catalog import models_for, template_for
from providers.catalog_doc import COMMAND, PATH, render_markdown
from providers.registry import KINDS
from providers.rules import AspectRatios, SizeList, SizeRange

# Known data bugs in catalog modules this file does not own: (kind, model id) → reason.
# Each is reported to the catalog's owner; remove the entry once the catalog is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def section(kind: str) -> str:
    """The text of one kind's section of the rendered reference."""
    text = render_markdown()
    start = text.index(f"## {KINDS[kind].label}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def row(kind: str, model_id: str) -> str:
    return next(line for line in section(kind).splitlines() if f"| `{model_id}` |" in line)


# --- the generated file ----------------------------------------------------------

def test_docs_models_md_is_up_to_date():
    path = Path(settings.BASE_DIR) / PATH
    assert path.exists(), f"{PATH} is missing: run `{COMMAND}`"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        f"{PATH} is out of date with providers/catalog: run `{COMMAND}` and commit the result")


def test_rendering_is_deterministic():
    assert render_markdown() == render_markdown()


def test_header_says_generated_and_not_to_edit():
    head = render_markdown()[:600]
    assert COMMAND in head and "Do not edit by hand" in head


def test_every_kind_has_a_section_in_registry_order():
    text = render_markdown()
    positions = [text.index(f"## {kind.label}\n") for kind in KINDS.values()]
    assert positions == sorted(positions)
    for key in KINDS:
        assert f"`kind: {key}`" in section(key)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_model_appears_with_its_id(kind):
    for spec in models_for(kind):
        assert spec.label in row(kind, spec.id)


def test_base_url_key_and_discovery_are_stated():
    assert "`https://api.openai.com/v1`" in section("openai")
    assert "API key: required" in section("openai")
    assert "API key: not needed" in section("local")
    assert "entered by staff" in section("openai-compatible")
    assert "listed by the server" in section("a1111")
    assert "built-in catalog" in section("bfl")


def test_templates_of_server_listed_kinds_are_shown():
    assert "steps 1–150" in section("a1111") and "DPM++ 2M Karras" in section("a1111")
    assert "scheduler (normal, karras" in section("comfyui")


def test_size_rules_read_as_a_user_reads_them():
    assert "256–2048 × 256–2048, multiples of 8" in row("local", "placeholder")
    assert "one of 1024x1024, 1792x1024, 1024x1792" in row("openai", "dall-e-3")
    assert "aspect ratio 21:9, 16:9, 3:2" in row("stability", "ultra")
    assert ("at least 655,360 pixels, at most 8,294,400 pixels, aspect at most 3:1, or auto"
            in row("openai", "gpt-image-2"))


def test_parameters_read_with_their_ranges_and_choices():
    cells = row("aithriving", "stable-diffusion-v1-6")
    assert "seed · steps 10–50 · guidance 0–35 · sampler (DDIM, DDPM," in cells
    assert "negative prompt (up to 2000 characters)" in row("local", "placeholder")
    assert "guidance 1.5–10" in row("bfl", "flux-2-flex")


def test_price_latency_and_input_image_columns():
    assert "| $0.04 |" in row("openai", "dall-e-3") and "| 15 s |" in row("openai", "dall-e-3")
    assert "| — |" in row("openai", "chatgpt-image-latest")  # no published price
    assert "| yes |" in row("ai302", "stable-sd3-i2i")


def test_table_rows_keep_their_column_count():
    for line in render_markdown().splitlines():
        if line.startswith("|"):
            assert line.replace("\\|", "").count("|") == 13, line


def test_status_column_shows_lifecycle_and_replacement():
    assert "| shut down 2026-05-12; use `gpt-image-2.5-sunburst` |" in row("openai", "dall-e-3")
    assert "| deprecated; shuts down 2026-12-01; use `gpt-image-2.6-flare` |" in row(
        "openai", "gpt-image-1-mini")
    assert "| active |" in row("openai", "gpt-image-2.6-sunburst")
    assert "| legacy |" in row("bfl", "flux-kontext-pro")
    assert "| unknown |" in row("ai302", "cogview-4-t2i")


# --- the command -------------------------------------------------------------------

def test_command_writes_then_checks(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="missing"):
        call_command("catalog_doc", check=True)
    call_command("catalog_doc")
    assert (tmp_path / PATH).read_text(encoding="utf-8") == render_markdown()
    call_command("catalog_doc", check=True)
    (tmp_path / PATH).write_text("hand edited\n", encoding="utf-8")
    with pytest.raises(CommandError, match=f"out of date.*{COMMAND}"):
        call_command("catalog_doc", check=True)


# --- catalog-wide sanity -------------------------------------------------------------

def every_spec():
    for kind in KINDS:
        for spec in models_for(kind):
            yield pytest.param(spec, id=f"{kind}:{spec.id}")
        if (template := template_for(kind)) is not None:
            yield pytest.param(template, id=f"{kind}:TEMPLATE")


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_builds_with_unique_ids(kind):
    ids = [spec.id for spec in models_for(kind)]
    assert len(ids) == len(set(ids)), f"duplicate model ids in {kind}"
    assert all(spec.kind == kind for spec in models_for(kind))


@pytest.mark.parametrize("spec", list(every_spec()))
def test_model_data_is_sound(spec):
    if (spec.kind, spec.id) in KNOWN_BUGS:
        pytest.xfail(KNOWN_BUGS[spec.kind, spec.id])
    assert spec.label.strip()
    assert spec.latency_s > 0
    assert spec.max_n >= 1
    assert spec.prompt_max >= 1
    size = spec.size
    if isinstance(size, SizeRange):
        assert size.min <= size.max
        assert size.check(*size.default) == [], f"default size {size.default} breaks its rule"
    elif isinstance(size, SizeList):
        assert size.sizes and size.default in size.sizes
    else:
        assert isinstance(size, AspectRatios)
        assert size.ratios and size.default in size.ratios
    for name, param in spec.params.items():
        assert param.check(name, param.default) == [], f"default of {name} breaks its rule"
        if param.type in ("int", "float") and param.min is not None and param.max is not None:
            assert param.min <= param.max, name
        if param.type == "choice":
            assert len(set(param.choices)) == len(param.choices), f"repeated choice in {name}"

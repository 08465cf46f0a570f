"""A published input schema becomes a catalog entry members' forms follow."""
from providers.catalog.schema import entry_errors
from providers.schema_params import entry_from_schema
from tests.fakes.replicate import SCHEMAS


def from_replicate(name):
    schemas = SCHEMAS[name]["components"]["schemas"]
    return entry_from_schema(name, schemas["Input"], schemas)


def test_cog_enums_behind_allof_refs_become_choices_and_ratios():
    entry, wire = from_replicate("google/nano-banana-2")
    # match_input_image is not a ratio a member can pick: it is left out of the size rule.
    assert entry["size"] == {"type": "aspect", "ratios": ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5",
                                                          "5:4", "9:16", "16:9", "21:9"],
                             "default": "1:1"}
    assert entry["params"]["output_format"] == {"type": "choice", "choices": ["jpg", "png"],
                                                "default": "jpg", "help": "An enumeration."}
    assert entry["inputs"] == {"max_images": 14, "mask": False, "strength": False,
                               "operations": ["edit", "reference"]}
    assert wire == {"size": "aspect_ratio", "images": "image_input", "images_list": True}
    assert entry_errors(entry) == []


def test_a_community_model_maps_ranges_counts_masks_and_hides_what_members_must_not_set():
    entry, wire = from_replicate("acme/pixel-sdxl")
    params = entry["params"]
    assert params["num_inference_steps"] == {"type": "int", "min": 1, "max": 50, "default": 30}
    assert params["guidance_scale"] == {"type": "float", "min": 1, "max": 20, "default": 7.5}
    assert params["seed"] == "seed" and params["disable_safety_checker"]["type"] == "bool"
    assert params["negative_prompt"]["type"] == "text"
    assert "prompt" not in params and "num_outputs" not in params and "image" not in params
    assert entry["max_n"] == 4 and wire["count"] == "num_outputs"
    assert wire["strength"] == "prompt_strength" and wire["mask"] == "mask"
    assert entry["status"] == "unknown" and entry["price"] is None
    assert entry_errors(entry) == []


def test_a_required_image_field_means_the_model_needs_an_image():
    entry, wire = from_replicate("ideogram-ai/ideogram-4-5-precise-edit")
    assert entry["needs_image"] is True and wire["images"] == "image"
    assert entry["size"] == {"type": "list", "sizes": ["auto"]}


def test_secret_and_webhook_fields_are_never_offered():
    schema = {"properties": {"prompt": {"type": "string"}, "openai_api_key": {"type": "string"},
                             "webhook_url": {"type": "string"}, "hf_token": {"type": "string"}}}
    entry, _ = entry_from_schema("a/b", schema)
    assert entry["params"] == {}

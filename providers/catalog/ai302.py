"""302.AI's unified image API (seed 004): every model the seed lists.

Each model is sized one way, and the adapter sends that field only:
``aspect`` → ``aspect_ratio``, ``range`` → ``width``+``height``, ``list`` →
``size``; a list of just "auto" sends nothing (the output follows the input
image). The seed gives rules for some families; for the rest we chose the
upstream vendor's own rule, narrowed to what is safe, and the notes say so.
302.AI answers out-of-rule values by silently substituting a default, so
offering only valid values is what keeps the user's choice.
"""

STABILITY_RATIOS = ["1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"]
FLUX_ULTRA_RATIOS = ["1:1", "21:9", "16:9", "4:3", "3:4", "9:16", "9:21"]
IDEOGRAM_RATIOS = ["1:1", "10:16", "16:10", "9:16", "16:9", "3:2", "2:3", "4:3", "3:4", "1:3",
                   "3:1"]
WIDE_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"]  # Luma, Imagen 3, MiniMax
COGVIEW_SIZES = ["1024x1024", "768x1344", "864x1152", "1344x768", "1152x864", "1440x720",
                 "720x1440"]
# Stability's SDXL 1.0 sizes: also valid for its SD 1.6 engine (320–1536, ×64).
SDXL_SIZES = ["1024x1024", "1152x896", "896x1152", "1216x832", "832x1216", "1344x768",
              "768x1344", "1536x640", "640x1536"]
HIDREAM_SIZES = ["1024x1024", "768x1360", "1360x768", "880x1168", "1168x880", "1248x832",
                 "832x1248"]
# Recraft's two confirmed sizes and the portrait twin of the second.
RECRAFT_SIZES = ["1024x1024", "1365x1024", "1024x1365"]

AUTO = {"type": "list", "sizes": ["auto"], "default": "auto"}
# BFL's rule for FLUX.1 pro/dev; a public 302.AI client states it for 302's flux too.
FLUX_RANGE = {"type": "range", "min": 256, "max": 1440, "multiple": 32, "default": [1024, 1024]}
# The seed is silent on 302's own SD-family deployments: stay near one megapixel,
# which every SDXL/SD3/Kolors-class model renders well.
SD_RANGE = {"type": "range", "min": 512, "max": 1536, "multiple": 64, "max_megapixels": 1.05,
            "max_aspect": 2.5, "default": [1024, 1024]}
DOUBAO_RANGE = {"type": "range", "min": 256, "max": 768, "multiple": 8, "default": [512, 512]}
FINETUNE = {"finetune_id": {"type": "text", "max": 200,
                            "help": "The id of your BFL finetune (BFL requires one)."}}

UNDOCUMENTED = "302.AI documents no size rule for this model: we offer a conservative one."
FOLLOWS_IMAGE = "Works from the uploaded image; the output follows its size."


def aspect(ratios: list[str]) -> dict:
    return {"type": "aspect", "ratios": ratios, "default": "1:1"}


def sizes(values: list[str]) -> dict:
    return {"type": "list", "sizes": values, "default": values[0]}


def model(id: str, label: str, size: dict, latency: float, notes: str = "", *,
          needs_image: bool = False, params: dict | None = None, prompt_max: int = 4000) -> dict:
    return {
        "id": id, "label": f"{label} (302.AI)", "size": size, "max_n": 1,
        "params": params or {}, "prompt_max": prompt_max, "needs_image": needs_image,
        # 302.AI's v1 call waits for the upstream model (polling it every 3 s).
        "latency_s": latency,
        # 302.AI bills per its own price list (302.ai/price), not given in the seed.
        "price": None,
        "notes": notes,
    }


def stability_i2i(id: str, label: str) -> dict:
    return model(id, label, AUTO, 12, FOLLOWS_IMAGE + " 302.AI documents no strength setting.",
                 needs_image=True, prompt_max=10000)


def flux_control(id: str, label: str, what: str, finetuned: bool = False) -> dict:
    # BFL's fill/canny/depth endpoints cannot run without an image, whatever 302's
    # "-t2i" suffix says: the form asks for one and the adapter sends it as `image`.
    return model(id, label, AUTO, 20, f"Needs an image ({what}); how 302.AI forwards it is "
                 "not documented.", needs_image=True, params=FINETUNE if finetuned else None)


MODELS = [
    # OpenAI. 302 lists 256/512/1024 squares for both, but DALL·E 3 itself makes
    # only 1024x1024 of those.
    model("dall-e-3-t2i", "DALL·E 3", sizes(["1024x1024"]), 18,
          "DALL·E 3 makes no smaller square, so only 1024x1024 is offered."),
    model("dall-e-2-t2i", "DALL·E 2", {"type": "list", "sizes": ["256x256", "512x512",
          "1024x1024"], "default": "1024x1024"}, 10, prompt_max=1000),
    # Stability AI
    model("stable-v1-t2i", "Stability v1", sizes(SDXL_SIZES), 10,
          "Sizes are SDXL's; 302.AI documents none for this model."),
    model("stable-sd2-t2i", "Stability SD2", aspect(STABILITY_RATIOS), 10, prompt_max=10000),
    model("stable-sd3-ultra-t2i", "Stable Image Ultra (SD3)", aspect(STABILITY_RATIOS), 15,
          prompt_max=10000),
    model("stable-sd3-t2i", "Stable Diffusion 3", aspect(STABILITY_RATIOS), 12, prompt_max=10000),
    model("stable-sd3.5-medium-t2i", "Stable Diffusion 3.5 Medium", aspect(STABILITY_RATIOS), 10,
          prompt_max=10000),
    model("stable-sd3.5-large-t2i", "Stable Diffusion 3.5 Large", aspect(STABILITY_RATIOS), 12,
          prompt_max=10000),
    model("stable-sd3-turbo-t2i", "Stable Diffusion 3 Turbo", aspect(STABILITY_RATIOS), 6,
          prompt_max=10000),
    stability_i2i("stable-sd3-i2i", "Stable Diffusion 3 image-to-image"),
    stability_i2i("stable-sd3.5-medium-i2i", "Stable Diffusion 3.5 Medium image-to-image"),
    stability_i2i("stable-sd3.5-large-i2i", "Stable Diffusion 3.5 Large image-to-image"),
    stability_i2i("stable-sd3-turbo-i2i", "Stable Diffusion 3 Turbo image-to-image"),
    # Open models deployed by 302.AI itself
    model("302ai-sdxl-t2i", "SDXL", SD_RANGE, 10, UNDOCUMENTED),
    model("302ai-sdxl-lora-t2i", "SDXL LoRA", SD_RANGE, 12, UNDOCUMENTED),
    model("302ai-sdxl-lighting-t2i", "SDXL Lightning", SD_RANGE, 5, UNDOCUMENTED),
    model("302ai-sdxl-lighting-v2-t2i", "SDXL Lightning v2", SD_RANGE, 5, UNDOCUMENTED),
    model("302ai-sd3-t2i", "SD3 (302.AI deployment)", SD_RANGE, 12, UNDOCUMENTED),
    model("302ai-aura-flow-t2i", "AuraFlow", SD_RANGE, 15, UNDOCUMENTED),
    model("302ai-kolors-t2i", "Kolors", SD_RANGE, 12, UNDOCUMENTED),
    model("302ai-kolors-i2i", "Kolors image-to-image", AUTO, 15, FOLLOWS_IMAGE, needs_image=True),
    model("302ai-sd35-large-t2i", "SD 3.5 Large (302.AI deployment)", SD_RANGE, 15, UNDOCUMENTED),
    model("302ai-sd35-large-turbo-t2i", "SD 3.5 Large Turbo (302.AI deployment)", SD_RANGE, 8,
          UNDOCUMENTED),
    model("302ai-sd35-medium-t2i", "SD 3.5 Medium (302.AI deployment)", SD_RANGE, 10,
          UNDOCUMENTED),
    model("302ai-lumina-t2i", "Lumina", SD_RANGE, 20, UNDOCUMENTED),
    model("302ai-omnigen-v1-t2i", "OmniGen v1", SD_RANGE, 30, UNDOCUMENTED),
    model("302ai-playground-v25-t2i", "Playground v2.5", SD_RANGE, 12, UNDOCUMENTED),
    model("302ai-lora-t2i", "LoRA", SD_RANGE, 15, UNDOCUMENTED),
    # Black Forest Labs, official API
    model("flux-pro-1.1-ultra-t2i", "FLUX1.1 [pro] Ultra", aspect(FLUX_ULTRA_RATIOS), 20),
    model("flux-pro-1.1-t2i", "FLUX1.1 [pro]", FLUX_RANGE, 12, "Width and height: 256–1440, "
          "multiples of 32 (BFL's rule)."),
    model("flux-pro-t2i", "FLUX.1 [pro]", FLUX_RANGE, 15, "Width and height: 256–1440, "
          "multiples of 32 (BFL's rule)."),
    model("flux-dev-t2i", "FLUX.1 [dev]", FLUX_RANGE, 10, "Width and height: 256–1440, "
          "multiples of 32 (BFL's rule)."),
    flux_control("flux-pro-1.0-fill-t2i", "FLUX.1 Fill [pro]",
                 "masked areas, by alpha, are filled"),
    flux_control("flux-pro-1.0-canny-t2i", "FLUX.1 Canny [pro]", "its edges guide the picture"),
    flux_control("flux-pro-1.0-depth-t2i", "FLUX.1 Depth [pro]", "its depth guides the picture"),
    model("flux-pro-1.1-ultra-finetuned-t2i", "FLUX1.1 [pro] Ultra finetuned",
          aspect(FLUX_ULTRA_RATIOS), 20, "Needs your BFL finetune id.", params=FINETUNE),
    model("flux-pro-1.0-finetuned-t2i", "FLUX.1 [pro] finetuned", FLUX_RANGE, 15,
          "Needs your BFL finetune id.", params=FINETUNE),
    flux_control("flux-pro-1.0-depth-finetuned-t2i", "FLUX.1 Depth [pro] finetuned",
                 "its depth guides the picture", finetuned=True),
    flux_control("flux-pro-1.0-canny-finetuned-t2i", "FLUX.1 Canny [pro] finetuned",
                 "its edges guide the picture", finetuned=True),
    flux_control("flux-pro-1.0-fill-finetuned-t2i", "FLUX.1 Fill [pro] finetuned",
                 "masked areas, by alpha, are filled", finetuned=True),
    # FLUX deployed by 302.AI
    model("302ai-flux-v1.1-ultra-t2i", "FLUX1.1 Ultra (302.AI deployment)",
          aspect(FLUX_ULTRA_RATIOS), 20),
    model("302ai-flux-v1.1-pro-t2i", "FLUX1.1 Pro (302.AI deployment)", FLUX_RANGE, 12,
          "Width and height: 256–1440, multiples of 32."),
    model("302ai-flux-pro-t2i", "FLUX Pro (302.AI deployment)", FLUX_RANGE, 15, UNDOCUMENTED),
    model("302ai-flux-dev-t2i", "FLUX Dev (302.AI deployment)", FLUX_RANGE, 10, UNDOCUMENTED),
    model("302ai-flux-schnell-t2i", "FLUX Schnell (302.AI deployment)", FLUX_RANGE, 4,
          UNDOCUMENTED),
    model("302ai-flux-realism-t2i", "FLUX Realism LoRA (302.AI deployment)", FLUX_RANGE, 12,
          UNDOCUMENTED),
    # Ideogram
    model("ideogram-v1-t2i", "Ideogram V1", aspect(IDEOGRAM_RATIOS), 12),
    model("ideogram-v1-turbo-t2i", "Ideogram V1 Turbo", aspect(IDEOGRAM_RATIOS), 8),
    model("ideogram-v2-t2i", "Ideogram V2", aspect(IDEOGRAM_RATIOS), 12),
    model("ideogram-v2-turbo-t2i", "Ideogram V2 Turbo", aspect(IDEOGRAM_RATIOS), 8),
    model("ideogram-v2a-t2i", "Ideogram V2A", aspect(IDEOGRAM_RATIOS), 10),
    model("ideogram-v2a-turbo-t2i", "Ideogram V2A Turbo", aspect(IDEOGRAM_RATIOS), 6),
    # Recraft
    model("recraft-v3-t2i", "Recraft V3", sizes(RECRAFT_SIZES), 12,
          "Only Recraft's confirmed sizes are offered.", prompt_max=1000),
    model("recraft-20b-t2i", "Recraft 20B", sizes(RECRAFT_SIZES), 10,
          "Only Recraft's confirmed sizes are offered.", prompt_max=1000),
    # Luma, Google, MiniMax: ratios from the seed
    model("luma-t2i", "Luma Photon", aspect(WIDE_RATIOS), 20),
    model("luma-flash-t2i", "Luma Photon Flash", aspect(WIDE_RATIOS), 10),
    model("google-v3-t2i", "Imagen 3", aspect(WIDE_RATIOS), 12),
    model("google-v3-fast-t2i", "Imagen 3 Fast", aspect(WIDE_RATIOS), 8),
    model("minimaxi-t2i", "MiniMax image-01", aspect(WIDE_RATIOS), 15),
    # ByteDance Doubao: 256–768 per side (the seed); ×8 is our own caution.
    model("doubao-v2-t2i", "Doubao v2.0", DOUBAO_RANGE, 10, "Width and height: 256–768."),
    model("doubao-v2-l-t2i", "Doubao v2.0 L", DOUBAO_RANGE, 10, "Width and height: 256–768."),
    model("doubao-v2.1-l-t2i", "Doubao v2.1 L", DOUBAO_RANGE, 10, "Width and height: 256–768."),
    model("doubao-v3-t2i", "Doubao v3.0", DOUBAO_RANGE, 10, "Width and height: 256–768."),
    # Zhipu
    model("cogview-4-t2i", "CogView-4", sizes(COGVIEW_SIZES), 15),
    model("cogview-4-250304-t2i", "CogView-4 (250304)", sizes(COGVIEW_SIZES), 15),
    # Baidu: nothing documented, so the one size every model takes.
    model("baidu-irag-t2i", "Baidu iRAG", sizes(["1024x1024"]), 20,
          "Retrieves real photos before drawing. " + UNDOCUMENTED),
    # HiDream: the model's own published resolutions.
    model("hidream-i1-full-t2i", "HiDream-I1 Full", sizes(HIDREAM_SIZES), 30,
          "Sizes are HiDream's own; 302.AI documents none."),
    model("hidream-i1-dev-t2i", "HiDream-I1 Dev", sizes(HIDREAM_SIZES), 15,
          "Sizes are HiDream's own; 302.AI documents none."),
    model("hidream-i1-fast-t2i", "HiDream-I1 Fast", sizes(HIDREAM_SIZES), 8,
          "Sizes are HiDream's own; 302.AI documents none."),
]

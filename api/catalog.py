"""The models a token may use, described for scripts (GET /v1/models) and agents (MCP)."""
from __future__ import annotations

from providers.lifecycle import model_retires_on, model_state
from providers.pricing import price_of
from providers.services import model_choices

from .tokens import token_allows_model


def models_for(token) -> list[dict]:
    """OpenAI's model objects, with the studio's rules, price and lifecycle as extra fields."""
    out = []
    for choice in model_choices():
        spec, conn = choice.spec, choice.connection
        if not token_allows_model(token, key=choice.key, model_id=spec.id):
            continue
        retires = model_retires_on(spec=spec, connection=conn)
        rules = spec.to_dict()
        out.append({
            "id": spec.id, "object": "model", "created": int(conn.created_at.timestamp()),
            "owned_by": conn.name,
            "studio": {
                "key": choice.key, "label": spec.label, "connection": conn.name, "provider": conn.kind,
                "size": rules["size"], "max_n": spec.max_n, "params": rules["params"],
                "prompt_max": spec.prompt_max, "needs_image": spec.needs_image,
                "inputs": spec.image_inputs.to_dict(),
                "price_usd_per_image": str(spec.price) if spec.price is not None else None,
                "price": price_of(spec, conn.price_override(spec.id)),
                "status": model_state(spec=spec), "retires_on": retires.isoformat() if retires else None,
                "replacement": spec.replacement or None, "notes": spec.notes,
            },
        })
    return out

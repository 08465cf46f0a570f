"""Model lists and schemas read from a provider pass the same secret cleaning as results."""
from providers.base import Adapter, Connection

KEY = "sk-live-0123456789abcdefghij"


class Echoing(Adapter):
    def listed_models(self):
        return [{"id": "model-a", "owned_by": f"key {KEY}"}]

    def model_schema(self, model_id):
        return ({"title": f"uses {KEY[:12]}"}, {"prompt": "prompt"}, {"nested": [KEY]})


def test_listed_models_and_schemas_are_redacted():
    adapter = Echoing(Connection("openai", "http://127.0.0.1:9/v1", KEY, {}))
    listed = adapter.listed_models()
    schema = adapter.model_schema("x")
    assert listed[0]["id"] == "model-a"
    assert KEY not in repr(listed) and KEY[:12] not in repr(schema) and KEY not in repr(schema)
    assert isinstance(schema, tuple) and schema[1] == {"prompt": "prompt"}

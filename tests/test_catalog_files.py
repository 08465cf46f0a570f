"""The catalog is data: files checked against a schema, a broken one stops start-up, staff import overrides."""
import json

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

import providers.catalog as catalog
from providers.catalog.schema import file_errors
from providers.models import CatalogOverride
from providers.services import model_choices


def errors_for(entry, kind="openai"):
    return file_errors({"kind": kind, "models": [entry]}, kinds={kind})


GOOD = {"id": "m", "size": {"type": "list", "sizes": ["1024x1024"]}}


@pytest.mark.parametrize("change,message", [
    ({"size": {"type": "range", "min": 16, "max": "big"}}, "openai/m: size.max must be an integer"),
    ({"status": "retired"}, "openai/m: status must be one of active, deprecated, shutdown, legacy, unknown"),
    ({"shutdown_date": "12/01/2026"}, "openai/m: shutdown_date must be a date written YYYY-MM-DD, or null"),
    ({"params": {"quality": {"type": "choice"}}}, "openai/m: params.quality.choices must be a non-empty list of strings"),
    ({"price": "cheap"}, "openai/m: price must be null, a USD amount such as \"0.04\", or a price object"),
    ({"replacement": "gpt-image-9"}, "openai/m: replacement names 'gpt-image-9', which is not a openai model"),
    ({"colour": "red"}, "openai/m: colour is not a catalog field"),
])
def test_schema_errors_name_the_entry_and_the_field(change, message):
    assert message in errors_for({**GOOD, **change})


def test_every_shipped_file_is_sound():
    assert catalog.catalog_errors() == []


def test_a_broken_shipped_file_stops_start_up_naming_entry_and_field(tmp_path, monkeypatch):
    for path in catalog.DATA_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    data = json.loads((tmp_path / "openai.json").read_text(encoding="utf-8"))
    data["models"][0]["size"]["max"] = "3840"
    (tmp_path / "openai.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(catalog, "DATA_DIR", tmp_path)
    for cached in (catalog.shipped_file, catalog.models_for, catalog.template_for):
        cached.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="openai/gpt-image-2.6-sunburst: size.max must be an integer"):
            apps.get_app_config("providers").ready()
        with pytest.raises(catalog.CatalogError):  # never "no models"
            catalog.models_for("openai")
    finally:
        monkeypatch.undo()
        for cached in (catalog.shipped_file, catalog.models_for, catalog.template_for):
            cached.cache_clear()


def test_extends_copies_rules_but_not_the_lifecycle():
    snapshot = catalog.spec_for("openai", "gpt-image-2.5-sunburst-2026-09-08")
    base = catalog.spec_for("openai", "gpt-image-2.5-sunburst")
    assert snapshot.size == base.size and snapshot.params == base.params
    assert snapshot.label != base.label


# --- staff overrides ------------------------------------------------------------------

def write(tmp_path, data, name="update.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def labels(conn):
    return {c.spec.id: c.label for c in model_choices() if c.connection == conn}


def test_import_rejects_a_malformed_file_naming_entry_and_field_and_stores_nothing(tmp_path, openai_conn):
    path = write(tmp_path, {"kind": "openai", "models": [
        {"id": "gpt-image-3", "label": "GPT Image 3", "extends": "gpt-image-2"},
        {"id": "gpt-image-2", "shutdown_date": "soon"}]})
    with pytest.raises(CommandError) as caught:
        call_command("catalog", "import", path)
    assert "openai/gpt-image-2: shutdown_date must be a date written YYYY-MM-DD, or null" in str(caught.value)
    assert not CatalogOverride.objects.exists()
    assert "gpt-image-3" not in labels(openai_conn)


def test_import_adds_a_model_and_a_shutdown_date_makes_one_deprecated(tmp_path, openai_conn, capsys):
    path = write(tmp_path, {"kind": "openai", "models": [
        {"id": "gpt-image-3", "label": "GPT Image 3", "extends": "gpt-image-2.6-sunburst",
         "notes": "Launched after our release."},
        {"id": "gpt-image-2", "shutdown_date": "2099-03-01", "replacement": "gpt-image-3"}]})
    call_command("catalog", "import", path)
    assert "update.json: 2 added, 0 updated" in capsys.readouterr().out
    offered = labels(openai_conn)
    assert offered["gpt-image-3"].startswith("GPT Image 3 (gpt-image-3)")
    assert offered["gpt-image-2"].endswith("— retires on 2099-03-01")
    assert "retires on" not in offered["gpt-image-2.6-sunburst"]
    # The shipped file is untouched: only the database holds the change.
    assert catalog.spec_for("openai", "gpt-image-2").shutdown_date is None


def test_import_of_a_past_shutdown_date_stops_offering_the_model(tmp_path, openai_conn):
    call_command("catalog", "import", write(tmp_path, {"kind": "openai", "models": [
        {"id": "gpt-image-2-2026-04-21", "status": "deprecated", "shutdown_date": "2026-01-01"}]}))
    assert "gpt-image-2-2026-04-21" not in labels(openai_conn)


def test_export_round_trips_through_import(tmp_path, openai_conn, capsys):
    call_command("catalog", "export", "--kind", "openai")
    exported = json.loads(capsys.readouterr().out)
    assert exported[0]["kind"] == "openai"
    call_command("catalog", "import", write(tmp_path, exported))
    assert CatalogOverride.objects.filter(kind="openai").count() == len(exported[0]["models"])


def test_admin_upload_applies_a_good_file_and_lists_errors_of_a_bad_one(admin_client, openai_conn):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/admin/providers/catalogoverride/upload/"
    bad = SimpleUploadedFile("bad.json", json.dumps(
        {"kind": "openai", "models": [{"id": "x", "size": {"type": "list", "sizes": []}}]}).encode())
    page = admin_client.post(url, {"file": bad}).content.decode()
    assert "openai/x: size.sizes must be a non-empty list" in page
    good = SimpleUploadedFile("good.json", json.dumps(
        {"kind": "openai", "models": [{"id": "gpt-image-2", "shutdown_date": "2099-01-01"}]}).encode())
    response = admin_client.post(url, {"file": good})
    assert response.status_code == 302
    assert CatalogOverride.objects.get().source == "good.json"
    assert "retires on 2099-01-01" in labels(openai_conn)["gpt-image-2"]
    assert "Upload a catalog file" in admin_client.get("/admin/providers/catalogoverride/").content.decode()


def test_admin_index_lists_what_uses_a_model_retiring_within_30_days(admin_client, member, openai_conn, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from gallery.models import SavedPrompt

    soon = (timezone.localdate() + timedelta(days=10)).isoformat()
    call_command("catalog", "import", write(tmp_path, {"kind": "openai", "models": [
        {"id": "gpt-image-2.5-flare", "shutdown_date": soon}]}))
    SavedPrompt.objects.create(owner=member, name="Fast drafts", prompt="x",
                               params={"model": f"{openai_conn.pk}:gpt-image-2.5-flare"})
    page = admin_client.get("/admin/").content.decode()
    assert "Models retiring within 30 days" in page
    assert f"Connection “OpenAI team” uses GPT Image 2.5 Flare, which retires on {soon}." in page
    assert f"Saved prompt “Fast drafts” uses GPT Image 2.5 Flare, which retires on {soon}." in page


def test_the_readme_example_imports_and_changes_one_parameter(tmp_path, openai_conn):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Catalog files: updating without a release"):]
    example = section[section.index("```json") + 7:section.index("```", section.index("```json") + 7)]
    call_command("catalog", "import", write(tmp_path, json.loads(example)))
    flare = openai_conn.spec("gpt-image-2.5-flare")
    assert "xhigh" in flare.params["quality"].choices
    assert "background" in flare.params and "moderation" in flare.params  # the others stay
    assert openai_conn.spec("gpt-image-3").size.min_pixels == 655360

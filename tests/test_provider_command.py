"""`manage.py provider`: connections from the shell, the key from standard input only."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from providers.models import ProviderConnection
from tests.fakes.a1111 import FakeA1111
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.fakes.fixtures import fake_fixtures

ROOT = Path(__file__).resolve().parents[1]
WRONG_KEY = "sk-wrong-key-9876543210"


server, fake = fake_fixtures(lambda: FakeOpenAI("openai"))


def provider(*args, key: str = "") -> str:
    out = io.StringIO()
    call_command("provider", *args, stdin=io.StringIO(key), stdout=out, stderr=out)
    return out.getvalue()


def fails(*args, key: str = "") -> str:
    with pytest.raises(CommandError) as info:
        provider(*args, key=key)
    return str(info.value)


# --- add ------------------------------------------------------------------------

@pytest.mark.django_db
def test_add_stores_the_key_encrypted_and_prints_only_its_end():
    out = provider("add", "openai", "--name", "OpenAI (marketing)", key=API_KEY + "\n")
    assert out.strip() == "Added connection OpenAI (marketing) (openai), key ending …cdef"
    conn = ProviderConnection.objects.get(name="OpenAI (marketing)")
    assert API_KEY not in conn.api_key_encrypted and conn.api_key_encrypted.startswith("gAAAA")
    assert conn.get_api_key() == API_KEY
    assert (conn.kind, conn.base_url, conn.enabled, conn.options) == ("openai", "", True, {})


@pytest.mark.django_db
def test_add_takes_base_url_disabled_and_options():
    provider("add", "apipie", "--name", "Pie", "--base-url", "https://gw.example.com/v1", "--disabled",
             "--option", "provider=openai", "--option", "organization=org=1", key="pie-key-12345678")
    conn = ProviderConnection.objects.get(name="Pie")
    assert conn.base_url == "https://gw.example.com/v1" and not conn.enabled
    assert conn.options == {"provider": "openai", "organization": "org=1"}


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_with_the_list_of_kinds():
    message = fails("add", "dalle", "--name", "X", key=API_KEY)
    assert "Unknown kind 'dalle'" in message
    for kind in ("openai", "a1111", "comfyui", "stability"):
        assert kind in message
    assert not ProviderConnection.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_a_duplicate_name_is_refused():
    provider("add", "openai", "--name", "Main", key=API_KEY)
    assert "A connection named 'Main' already exists" in fails("add", "bfl", "--name", "Main", key="bfl-key-123456")
    assert ProviderConnection.objects.get(name="Main").kind == "openai"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "\n", "   \n"])
def test_a_blank_key_is_refused_for_a_kind_that_needs_one(key):
    assert "needs an API key" in fails("add", "openai", "--name", "X", key=key)
    assert not ProviderConnection.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_a_blank_key_is_fine_for_a_local_server():
    out = provider("add", "a1111", "--name", "GPU box", "--base-url", "http://gpu-box:7860", key="")
    assert out.strip() == "Added connection GPU box (a1111), no key"
    assert not ProviderConnection.objects.get(name="GPU box").has_key


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://gpu-box", "gpu-box:7860", "https://x.example/v1?a=b"])
def test_a_bad_base_url_is_refused_by_the_model_validators(url):
    message = fails("add", "openai", "--name", "X", "--base-url", url, key=API_KEY)
    assert "base_url" in message and API_KEY not in message
    assert not ProviderConnection.objects.filter(name="X").exists()


@pytest.mark.django_db
def test_a_malformed_option_is_refused():
    assert "--option takes key=value" in fails("add", "openai", "--name", "X", "--option", "org", key=API_KEY)


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.django_db
def test_on_a_terminal_the_key_is_asked_for_without_echo(monkeypatch):
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or f" {API_KEY} ")
    out = io.StringIO()
    call_command("provider", "add", "openai", "--name", "Typed", stdin=Terminal(), stdout=out)
    assert prompts == ["API key: "] and API_KEY not in out.getvalue()
    assert ProviderConnection.objects.get(name="Typed").get_api_key() == API_KEY


def test_the_key_is_not_an_argument():
    with pytest.raises(CommandError):
        call_command("provider", "add", "openai", "--name", "X", "--api-key", API_KEY)


# --- list -----------------------------------------------------------------------

@pytest.mark.django_db
def test_list_shows_a_table_without_keys(local_connection):
    provider("add", "openai", "--name", "OpenAI", key=API_KEY)
    provider("add", "comfyui", "--name", "Comfy", "--disabled", key="")
    provider("add", "bfl", "--name", "BFL", "--base-url", "https://api.eu.bfl.ai", key="short")
    lines = provider("list").splitlines()
    assert lines[0].split() == ["NAME", "KIND", "BASE", "URL", "ENABLED", "KEY", "MODELS"]
    rows = {line.split("  ")[0]: line.split() for line in lines[1:]}
    assert rows["OpenAI"][1:5] == ["openai", "https://api.openai.com/v1", "yes", "…cdef"]
    assert int(rows["OpenAI"][5]) >= 2
    assert rows["Comfy"][1:] == ["comfyui", "http://127.0.0.1:8188", "no", "none", "0"]
    assert rows["BFL"][2:5] == ["https://api.eu.bfl.ai", "yes", "stored"]
    assert rows["Offline renderer"][2:] == ["local", "-", "yes", "none", "1"]
    text = "\n".join(lines)
    assert API_KEY not in text and "short" not in text


@pytest.mark.django_db
def test_list_with_no_connections_says_how_to_add_one():
    ProviderConnection.objects.all().delete()  # the offline renderer a migration adds
    assert "provider add" in provider("list")


# --- test, set-key, refresh -----------------------------------------------------

@pytest.mark.django_db
def test_test_with_a_good_key_says_ok(fake):
    provider("add", "openai", "--name", "OpenAI", "--base-url", fake.base_url, key=API_KEY)
    out = provider("test", "OpenAI")
    assert out.startswith("OpenAI: ok: The key works: it sees 10 models.")
    assert fake.requests[-1].path == "/v1/models"


@pytest.mark.django_db
def test_test_with_a_wrong_key_fails_without_showing_it(fake):
    provider("add", "openai", "--name", "OpenAI", "--base-url", fake.base_url, key=WRONG_KEY)
    message = fails("test", "OpenAI")
    assert "rejected the API key (401)" in message and "Incorrect API key provided" in message
    assert WRONG_KEY not in message
    # The fake really was sent (and echoed) the wrong key.
    assert fake.requests[-1].headers["authorization"] == f"Bearer {WRONG_KEY}"


@pytest.mark.django_db
def test_an_unknown_name_is_refused(local_connection):
    assert "No connection named 'nope'; connections: Offline renderer" in fails("test", "nope")


@pytest.mark.django_db
def test_set_key_rotates_the_key(fake):
    provider("add", "openai", "--name", "OpenAI", "--base-url", fake.base_url, key=WRONG_KEY)
    out = provider("set-key", "OpenAI", key=API_KEY + "\n")
    assert out.strip() == "Updated connection OpenAI: key ending …cdef" and API_KEY not in out
    assert ProviderConnection.objects.get(name="OpenAI").get_api_key() == API_KEY
    assert "ok:" in provider("test", "OpenAI")
    assert "needs an API key" in fails("set-key", "OpenAI", key="")
    assert ProviderConnection.objects.get(name="OpenAI").get_api_key() == API_KEY


@pytest.mark.django_db
def test_refresh_saves_the_servers_models():
    with FakeA1111() as a1111:
        provider("add", "a1111", "--name", "GPU box", "--base-url", a1111.url, key="")
        out = provider("refresh", "GPU box")
    assert out.strip() == "GPU box: found 2 models on the server."
    conn = ProviderConnection.objects.get(name="GPU box")
    assert conn.discovered_models == ["v1-5-pruned-emaonly.safetensors [6ce0161689]",
                                      "SDXL/sd_xl_base_1.0.safetensors [31e35c80fc]"]


@pytest.mark.django_db
def test_refresh_is_refused_for_a_catalog_kind_and_reports_a_dead_server():
    provider("add", "bfl", "--name", "BFL", key=API_KEY)  # BFL publishes no model list
    assert "from the catalog" in fails("refresh", "BFL")
    with FakeA1111() as a1111:
        url = a1111.url
    provider("add", "a1111", "--name", "Gone", "--base-url", url, key="")
    assert "Could not connect" in fails("refresh", "Gone")


# --- the real thing: a pipe and an exit code ------------------------------------

def manage(*args, key: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STUDIO_TEST_WORKER": "1"}
    return subprocess.run([sys.executable, "manage.py", "provider", *args], cwd=ROOT, env=env,
                          input=key, capture_output=True, text=True, timeout=60)


def test_from_the_shell_the_key_is_piped_and_a_failed_test_exits_non_zero(transactional_db, fake):
    added = manage("add", "openai", "--name", "Piped", "--base-url", fake.base_url, key=WRONG_KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added connection Piped (openai), key ending …3210" in added.stdout
    assert ProviderConnection.objects.get(name="Piped").get_api_key() == WRONG_KEY

    tested = manage("test", "Piped")
    assert tested.returncode != 0
    assert "rejected the API key (401)" in tested.stderr
    assert WRONG_KEY not in tested.stdout + tested.stderr + added.stdout + added.stderr

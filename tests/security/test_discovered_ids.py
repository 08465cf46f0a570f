"""A model id a provider lists is the provider's text: the admin shows it escaped
and its "enable" link carries it encoded, so it cannot add fields to the form."""
from tests.fakes import openai
from tests.test_discovery import conn, fake, server  # noqa: F401 - fixtures

HOSTILE = 'gpt-image-9"><script>alert(1)</script>&like=gpt-image-2'


def test_a_hostile_listed_id_is_escaped_and_encoded(admin_client, conn, fake):  # noqa: F811
    fake.model_list = [{"id": "gpt-image-2", "shutdown_date": None}, {"id": HOSTILE, "shutdown_date": None}]
    admin_client.post("/admin/providers/providerconnection/",
                      {"action": "refresh_models", "_selected_action": [conn.pk]})
    page = admin_client.get(f"/admin/providers/providerconnection/{conn.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "gpt-image-9&quot;&gt;&lt;script&gt;" in page  # listed, as text
    assert "&amp;like=gpt-image-2" not in page.split("enable-model/?", 1)[1].split('"', 1)[0]
    assert "enable-model/?model=gpt-image-9%22%3E%3Cscript%3E" in page

"""Usage shows where each job came from; the job card says "via API" / "via MCP"."""
import pytest

from studio.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mixed_jobs(api, member_client, placeholder):
    api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "by script"})
    member_client.post("/", {"model": placeholder, "prompt": "by hand", "width": 256, "height": 256, "n": 1})
    assert Job.objects.count() == 2


def test_usage_lists_web_and_the_api_token_by_name(mixed_jobs, member_client):
    page = member_client.get("/usage/").content.decode()
    section = page.split('id="by-source"', 1)[1].split("</section>", 1)[0]
    table = section.split("<table", 1)[1]
    assert "API · script" in table and ">Web<" in table


def test_staff_filter_usage_by_source(mixed_jobs, client, staff):
    client.force_login(staff)
    page = client.get("/usage/?source=api").content.decode()
    section = page.split('id="by-source"', 1)[1].split("</section>", 1)[0]
    table = section.split("<table", 1)[1]
    assert "API · script" in table and ">Web<" not in table
    totals = page.split('id="totals"', 1)[1].split("</section>", 1)[0]
    assert '<strong class="figure">1</strong>' in totals  # one job, one image: the API's


def test_the_job_card_says_via_api(mixed_jobs, member_client):
    api_job = Job.objects.get(source="api")
    web_job = Job.objects.get(source="web")
    assert b"via API" in member_client.get(f"/jobs/{api_job.pk}/card/").content
    assert b"via " not in member_client.get(f"/jobs/{web_job.pk}/card/").content


def test_the_image_page_says_via_api(mixed_jobs, member_client):
    from gallery.models import Image

    api_image = Image.objects.get(job__source="api")
    web_image = Image.objects.get(job__source="web")
    assert b"via API" in member_client.get(api_image.get_absolute_url()).content
    assert b"via API" not in member_client.get(web_image.get_absolute_url()).content

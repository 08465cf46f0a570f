"""Editing in the browser: a mask painted with the pointer reaches the provider,
Use as reference fills the tray, and the lineage tree shows parent and child."""
import io

import pytest
from playwright.sync_api import expect
from PIL import Image as PILImage

from gallery.models import Image
from gallery.services import image_store
from studio.models import Job, JobStatus
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.test_providers_ui import connect

pytestmark = pytest.mark.browser


def stored_image(owner, connection, size=(320, 240)) -> Image:
    out = io.BytesIO()
    PILImage.new("RGB", size, (30, 90, 200)).save(out, "PNG")
    job = Job.objects.create(owner=owner, connection=connection, connection_name=connection.name,
                             model_id="placeholder", model_label="Offline placeholder",
                             prompt="a blue wall", params={}, status=JobStatus.SUCCEEDED)
    return image_store(job=job, index=0, data=out.getvalue())


def test_a_painted_mask_reaches_openai_at_the_images_size(logged_in_page, live_server, worker,
                                                          member, local_connection):
    page = logged_in_page
    with FakeOpenAI("openai") as fake:
        connect("openai", fake, "/v1", API_KEY, {})
        source = stored_image(member, local_connection)
        page.goto(f"{live_server.url}/gallery/images/{source.pk}/")
        page.get_by_role("button", name="Edit", exact=True).click()
        page.get_by_label("Prompt", exact=True).fill("paint a window here")
        canvas = page.locator("[data-mask-canvas]")
        box = canvas.bounding_box()
        # A stroke across the left quarter of the picture, by pointer events.
        page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.5)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5, steps=5)
        page.mouse.up()
        page.get_by_role("button", name="Edit", exact=True).click()
        expect(page.locator(".job-card .job-status").first).to_have_text("Succeeded", timeout=30_000)

        (call,) = fake.edits
        with PILImage.open(io.BytesIO(call["mask"])) as mask:
            assert mask.size == (320, 240) and mask.mode == "RGBA"
            assert mask.getpixel((48, 120))[3] == 0  # painted: editable
            assert mask.getpixel((280, 20))[3] == 255  # untouched: kept
        assert call["fields"]["prompt"] == "paint a window here"

    child = Image.objects.exclude(pk=source.pk).get()
    page.goto(f"{live_server.url}/lineage/{child.pk}/")
    tree = page.get_by_role("tree")
    expect(tree.get_by_role("img", name=f"Image {source.pk}")).to_be_visible()
    expect(tree.get_by_role("img", name=f"Image {child.pk}")).to_be_visible()


def test_use_as_reference_fills_the_tray_on_compose(logged_in_page, live_server, member,
                                                    local_connection):
    page = logged_in_page
    source = stored_image(member, local_connection)
    page.goto(f"{live_server.url}/gallery/images/{source.pk}/")
    page.get_by_role("button", name="Use as reference").click()
    expect(page.get_by_role("button", name="Added to the reference tray")).to_be_visible()
    page.get_by_role("link", name="Compose").first.click()
    tray = page.locator("#reference-tray")
    expect(tray.get_by_role("img", name=f"Image {source.pk}")).to_be_visible()
    expect(tray.locator('input[name="references"]')).to_have_value(str(source.pk))


def test_the_lightbox_offers_edit_and_use_as_reference(logged_in_page, live_server, member,
                                                       local_connection):
    page = logged_in_page
    source = stored_image(member, local_connection)
    page.goto(f"{live_server.url}/gallery/")
    page.get_by_role("img", name="a blue wall").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Use as reference").click()
    expect(dialog.get_by_role("button", name="Added to the reference tray")).to_be_visible()
    dialog.get_by_role("button", name="Edit", exact=True).click()
    page.wait_for_url(f"{live_server.url}/edit/{source.pk}/?op=edit")
    page.get_by_role("link", name="Compose").first.click()
    expect(page.locator("#reference-tray input[name='references']")).to_have_value(str(source.pk))

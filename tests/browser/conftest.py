"""Browser tests: Debian's chromium driven by Playwright, a real worker process."""
import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API runs an event loop in the test's thread, and Django
    then refuses ORM calls (SynchronousOnlyOperation) though ours are plain
    synchronous ones. Allowed for the browser tests only, from their first
    fixture to the database flush after them."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def logged_in_page(page, live_server, member, local_connection):
    from tests.conftest import PASSWORD

    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    return page


@pytest.fixture
def studio_data(transactional_db, media_root, member, local_connection, django_user_model):
    """What every page needs to show something: images, a job, a compare, boards, a teammate."""
    import uuid

    from gallery.boards import board_add, board_create
    from gallery.models import Visibility
    from studio.models import Job, JobStatus
    from tests.conftest import PASSWORD
    from tests.test_gallery_access import make_image

    teammate = django_user_model.objects.create_user("tom", password=PASSWORD)
    from providers.local import render

    # the offline renderer's real pictures, so the tour's screenshots look like the studio does
    images = [make_image(member, local_connection, prompt=prompt, data=render(prompt, 42, 512, 512))
              for prompt in
              ("a lighthouse at dusk", "a red fox in snow", "a paper boat on a pond")]
    group = uuid.uuid4()
    for image in images[:2]:
        Job.objects.filter(pk=image.job_id).update(group=group)
    Job.objects.create(owner=member, connection=local_connection, connection_name=local_connection.name,
                       model_id="placeholder", model_label="Offline placeholder (not AI)",
                       prompt="a failed try", status=JobStatus.FAILED, error_message="The provider said no")
    shared = board_create(owner=member, name="Moodboard", visibility=Visibility.TEAM)
    private = board_create(owner=member, name="Secret picks")
    board_add(board=shared, images=images)
    board_add(board=private, images=images[:1])
    return {"images": images, "group": group, "shared": shared, "private": private, "teammate": teammate}

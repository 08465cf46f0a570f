import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls our
# tests make around it are still synchronous (stack-notes.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("mira", password=PASSWORD, first_name="Mira")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", password=PASSWORD, is_staff=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def local_connection(db):
    from providers.models import ProviderConnection

    # get_or_create: transactional tests flush the row the data migration made.
    return ProviderConnection.objects.get_or_create(kind="local", defaults={"name": "Offline renderer"})[0]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT

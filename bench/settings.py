"""The studio's own settings plus one trivial view (bench/urls.py), the baseline
every served figure is compared with."""
from studio.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"

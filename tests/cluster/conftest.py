"""The two-host test runs only under `make test-cluster` (STUDIO_CLUSTER_TEST=1),
which starts PostgreSQL and Redis for it; elsewhere it is not collected."""
import os

import pytest

ENABLED = os.environ.get("STUDIO_CLUSTER_TEST") == "1"
if not ENABLED:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def services_dir():
    missing = [name for name in ("DATABASE_URL", "REDIS_URL", "STUDIO_SERVICES_DIR") if not os.environ.get(name)]
    if missing:
        pytest.fail(f"the two-host test needs {', '.join(missing)}: run it with `make test-cluster`", pytrace=False)
    return os.environ["STUDIO_SERVICES_DIR"]

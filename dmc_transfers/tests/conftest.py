import pytest

from dmc_transfers.tests.live_service import collect_static


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """collectstatic once per run, for the live gunicorn servers (DEBUG=false serves from STATIC_ROOT)."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root

"""CLI test configuration: the `wheelhouse` marker selects the offline-install test."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "wheelhouse: installs from $RELAYDOCTOR_WHEELHOUSE into a fresh venv (about a minute)"
    )

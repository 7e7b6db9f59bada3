"""The security tests use the API tests' fixtures: every test on SQLite and PostgreSQL, the real
app with its lifespan, users ``alice`` and ``bob``."""

from tests.api.conftest import (  # noqa: F401 - fixtures, found by pytest through this import
    alice,
    app,
    bob,
    client,
    database_url,
    fresh_db,
    settings,
    settings_overrides,
)

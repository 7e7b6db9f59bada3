from __future__ import annotations

import pytest

from tests.support.system import RunningSystem, running_system


@pytest.fixture(scope="session")
def live_system(request: pytest.FixtureRequest) -> RunningSystem:
    return running_system(request.config)

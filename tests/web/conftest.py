"""One Keycloak for every sign-in test of the session: it takes a while to start."""

from collections.abc import Iterator

import pytest

from tests.support.keycloak import Keycloak, keycloak


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keycloak]:
    with keycloak(tmp_path_factory.mktemp("keycloak")) as running:
        yield running

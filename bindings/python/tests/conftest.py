"""Fixtures: the people of the demo story, made through the public Python API only."""

from __future__ import annotations

import pytest
from lommebok import (
    Issuer,
    KeyAlgorithm,
    SoftwareKey,
    StatusPurpose,
    StatusRegistry,
    Verifier,
    Wallet,
)

from support import REVOCATION_LIST, SUSPENSION_LIST


@pytest.fixture
def registry() -> StatusRegistry:
    """The municipality's status registry, in memory, with a revocation and a suspension list."""
    registry = StatusRegistry.in_memory()
    registry.create_list(REVOCATION_LIST, StatusPurpose.REVOCATION)
    registry.create_list(SUSPENSION_LIST, StatusPurpose.SUSPENSION)
    return registry


@pytest.fixture
def municipality(registry: StatusRegistry) -> Issuer:
    """An issuer (Ed25519 software key) that gives each credential a revocation entry."""
    return Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(
        registry, [REVOCATION_LIST]
    )


@pytest.fixture
def plain_issuer() -> Issuer:
    """An issuer without status lists."""
    return Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))


@pytest.fixture
def citizen() -> Wallet:
    return Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))


@pytest.fixture
def pharmacy() -> Verifier:
    return Verifier()

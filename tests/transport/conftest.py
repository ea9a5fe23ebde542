from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from transport.demo import create_demo_network

TZ = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def network(db):
    create_demo_network()


@pytest.fixture
def monday_morning():
    """Monday 10 March 2025, 10:15: before the 14:00 van from Kristinehamn."""
    return at("2025-03-10 10:15")

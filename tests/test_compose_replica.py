"""docker-compose.yml's optional read replica (profile "replica") and its start-up script."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_replica_service_is_optional_and_streams_from_postgres():
    replica = COMPOSE["services"]["postgres-replica"]
    assert replica["profiles"] == ["replica"]  # not started by a plain "up"
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    script = ROOT / replica["volumes"][1].split(":")[0]
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert "pg_basebackup" in text and " -R " in text and "-X stream" in text
    assert "hot_standby=on" in text


def test_web_reads_the_replica_only_when_configured():
    web = COMPOSE["services"]["web"]["environment"]
    assert web["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}"  # empty: one database
    primary = COMPOSE["services"]["postgres"]["volumes"]
    assert any("allow-replication.sh:/docker-entrypoint-initdb.d/" in v for v in primary)

#!/bin/bash
# Runs once, when the postgres service initialises its data folder (docker-entrypoint-initdb.d):
# lets a streaming replica (the "replica" compose profile) connect with the database password.
# An existing data folder: append the same line to its pg_hba.conf and reload.
set -euo pipefail
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"

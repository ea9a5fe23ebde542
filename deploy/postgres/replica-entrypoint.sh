#!/bin/bash
# The "postgres-replica" compose service: on first start, copy the primary with pg_basebackup
# (-R writes standby.signal and primary_conninfo, -X stream brings the WAL written meanwhile),
# then run as a hot standby that streams from the primary. Runs as the postgres user.
set -euo pipefail
PGDATA=${PGDATA:-/var/lib/postgresql/data}
PRIMARY="host=${PRIMARY_HOST:-postgres} port=5432 user=${POSTGRES_USER} password=${POSTGRES_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "${PRIMARY_HOST:-postgres}" -U "$POSTGRES_USER" -q; do sleep 1; done
  pg_basebackup -d "$PRIMARY" -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on

#!/usr/bin/env bash
# Prints the URL of a PostgreSQL server for the tests. Uses TEST_POSTGRES_URL or 127.0.0.1:5432 when
# they accept logins; otherwise starts a private trust-auth cluster under var/test-postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
try() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }
if [ -n "${TEST_POSTGRES_URL:-}" ] && try "$TEST_POSTGRES_URL"; then echo "$TEST_POSTGRES_URL"; exit 0; fi
default=postgresql://postgres@127.0.0.1:5432/postgres
if try "$default"; then echo "$default"; exit 0; fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (run make setup as root)" >&2; exit 1; }
dir=$PWD/var/test-postgres
port=55432
url=postgresql://postgres@127.0.0.1:$port/postgres
if try "$url"; then echo "$url"; exit 0; fi
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
[ -f "$dir/data/PG_VERSION" ] || "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
echo "$url"

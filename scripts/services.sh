#!/usr/bin/env bash
# Start the PostgreSQL and Redis the test suite talks to, if they are not running already.
# The suite runs against a real PostgreSQL (127.0.0.1:5432, database `test`); Redis is for the
# distributed mode. Both are started with the same commands the machine uses at boot.
set -euo pipefail
say() { printf 'services: %s\n' "$*"; }

if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    say "PostgreSQL is up"
else
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    pg_isready -h 127.0.0.1 -p 5432 -q || { echo "services: PostgreSQL did not start" >&2; exit 1; }
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -c "create database test" >/dev/null

if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "Redis is up"
else
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

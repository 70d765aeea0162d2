#!/bin/sh
# The service runs as an unprivileged system user.
set -e
if ! getent group trailql >/dev/null; then
  groupadd --system trailql
fi
if ! getent passwd trailql >/dev/null; then
  useradd --system --gid trailql --home-dir /var/lib/trailql --no-create-home --shell /usr/sbin/nologin trailql
fi

#!/bin/sh
set -e
mkdir -p /var/log/trailql && chown trailql:trailql /var/log/trailql
if command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload || true
fi
echo "trailql installed: edit /etc/trailql/watch.toml, then: systemctl enable --now trailql"

#!/bin/sh
set -e
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop trailql 2>/dev/null || true
  systemctl disable trailql 2>/dev/null || true
fi

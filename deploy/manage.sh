#!/usr/bin/env bash
# `manage.py` with the studio's environment, as the studio user: for migrations,
# user_add, provider, rotate_keys… on a deployed host (docs/deploy.md).
#   sudo /opt/image-studio/deploy/manage.sh migrate --noinput
set -euo pipefail
ENV_FILE=${STUDIO_ENV_FILE:-/etc/image-studio/studio.env}
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "manage.sh: run it with sudo (it reads $ENV_FILE, which only root may read)" >&2; exit 1; }
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
[ -f /etc/image-studio/host.env ] && . /etc/image-studio/host.env
set +a
cd "$APP_DIR"
exec runuser -u studio -- "$APP_DIR/.venv/bin/python" manage.py "$@"

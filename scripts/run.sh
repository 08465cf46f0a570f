#!/usr/bin/env bash
# `make run`: gunicorn (threads) serving the studio and one django-q2 worker.
# Ctrl-C, or SIGTERM to this script, stops both; nothing is left running.
set -u
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}

# The worker runs in a session of its own and is stopped only through stop():
# one SIGTERM to qcluster's main process, which lets running calls drain for
# STUDIO_DRAIN_SECONDS (20) and requeues the rest (docs/jobs.md).
setsid "$PY" manage.py qcluster & worker=$!
"$PY" -m gunicorn studio.wsgi -b "127.0.0.1:$PORT" --workers "${STUDIO_WEB_WORKERS:-2}" \
  --threads "${STUDIO_WEB_THREADS:-8}" --graceful-timeout 5 --access-logfile - & web=$!

stopped=
stop() {
  [ -n "$stopped" ] && return
  stopped=1
  kill -TERM "$web" 2>/dev/null
  kill -TERM "$worker" 2>/dev/null
  for _ in $(seq 250); do  # the drain and 5 s more, then no more manners
    kill -0 "$worker" 2>/dev/null || kill -0 "$web" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$worker" 2>/dev/null
  kill -KILL "$web" 2>/dev/null
  wait 2>/dev/null
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Either process ending on its own stops the other: one half of the studio is no studio.
wait -n "$web" "$worker"
status=$?
echo "run.sh: $( kill -0 "$web" 2>/dev/null && echo the worker || echo the web server ) stopped (status $status); stopping the rest" >&2
exit "$status"

#!/usr/bin/env bash
# Stop the broker started by tools/kafka/start.sh and delete its run dir (data, log, pid).
# Idempotent. Honors KAFKA_RUN_DIR like start.sh. Set KAFKA_KEEP_RUN=1 to keep run/ (e.g. to read run/kafka.log in CI).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${KAFKA_RUN_DIR:-$DIR/run}"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

if [[ -f "$RUN/kafka.pid" ]]; then
  pid="$(cat "$RUN/kafka.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "[kafka] stopping pid $pid" >&2
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < TIMEOUT * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "[kafka] pid $pid did not stop in ${TIMEOUT}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  fi
fi
if [[ "${KAFKA_KEEP_RUN:-0}" != 1 ]]; then
  rm -rf "$RUN"
fi
echo "[kafka] stopped" >&2

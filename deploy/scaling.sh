#!/usr/bin/env bash
# Pipeline throughput on the local standalone cluster with teacher parallelism 1 and then 2, in one run:
# the same N samples are replayed through a bounded job twice (separate consumer groups and metrics
# topics), and the job durations reported by Flink's REST API are compared.
#
#   deploy/scaling.sh [N]        (default N = 6000 SST-2 training rows)
#
# Starts (and stops) its own Kafka broker and cluster: 2 TaskManagers x 2 slots.
set -euo pipefail
n="${1:-6000}"
work="${SCALING_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/target/scaling}"
REST_PORT="${REST_PORT:-8091}"
source "$(dirname "${BASH_SOURCE[0]}")/bench-cluster.sh"
"${distill[@]}" produce --data "$work/data.tsv" --bootstrap-servers "$bootstrap" --labelled-fraction 0.05 > /dev/null

duration() { # duration JOB_ID -> seconds once FINISHED
  local state
  while true; do
    state="$(curl -sf "$url/jobs/$1" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j["duration"])')"
    case "$state" in
      FINISHED*) echo "${state#* }"; return 0 ;;
      FAILED*|CANCELED*) echo "job $1 ended $state" >&2; exit 1 ;;
    esac
    sleep 2
  done
}

declare -A seconds
for p in 1 2; do
  job="$("$here/local-cluster.sh" submit run --bounded --bootstrap-servers "$bootstrap" \
    --teacher-head "$work/head.json" --teacher-parallelism "$p" --group-id "scaling-p$p" \
    --metrics-topic "distill.metrics" --export-dir "$work/students-p$p" | tail -1)"
  ms="$(duration "$job")"
  seconds[$p]="$(python3 -c "print(round($ms / 1000, 1))")"
  echo "teacher parallelism $p: $n samples in ${seconds[$p]} s ($(python3 -c "print(round($n * 1000 / $ms))") samples/s)"
done
python3 -c "print('speed-up from teacher parallelism 2: %.2fx' % (${seconds[1]} / ${seconds[2]}))"

#!/usr/bin/env bash
# Pipeline throughput on the local standalone cluster with teacher parallelism 1 and then 2, in one run:
# the same N samples are replayed through a bounded job twice (separate consumer groups and metrics
# topics), and the job durations reported by Flink's REST API are compared.
#
#   deploy/scaling.sh [N]        (default N = 6000 SST-2 training rows)
#
# Starts (and stops) its own Kafka broker and cluster: 2 TaskManagers x 2 slots.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
n="${1:-6000}"
work="${SCALING_DIR:-$here/target/scaling}"
export CLUSTER_DIR="$work/cluster" TASKMANAGERS=2 SLOTS=2 REST_PORT="${REST_PORT:-8091}"
jar="$root/pipeline/target/flink-distill.jar"
distill=(java -Dai.djl.offline=true --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED -jar "$jar")
url="http://127.0.0.1:$REST_PORT"
rm -rf "$work"; mkdir -p "$work"

"$here/local-cluster.sh" start
"${distill[@]}" kafka --dir "$work/kafka" > "$work/kafka.log" 2>&1 &
kafka_pid=$!
trap '"$here/local-cluster.sh" stop; kill $kafka_pid 2>/dev/null || true' EXIT
deadline=$((SECONDS + 60))
until grep -q bootstrap.servers= "$work/kafka.log"; do
  (( SECONDS < deadline )) || { echo "Kafka did not start" >&2; exit 1; }
  sleep 1
done
bootstrap="$(sed -n 's/^bootstrap.servers=//p' "$work/kafka.log")"

head -n $((n + 1)) "$root/pipeline/src/main/resources/data/sst2/train.tsv" > "$work/data.tsv"
"${distill[@]}" fit-head --data "$work/data.tsv" --out "$work/head.json" --max-samples 1000 > /dev/null
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

#!/usr/bin/env bash
# Sourced by the cluster benchmarks (scaling.sh, students.sh) with $work set: a fresh $work, a local cluster of
# 2 TaskManagers x 2 slots (REST on $REST_PORT) and a Kafka broker, both stopped on exit; N SST-2 training rows
# in $work/data.tsv and a teacher head fitted on them in $work/head.json.
# Sets: here, root, distill (the command line, as an array), url, bootstrap.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
export CLUSTER_DIR="$work/cluster" TASKMANAGERS=2 SLOTS=2 REST_PORT
distill=(java -Dai.djl.offline=true --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  -jar "$root/pipeline/target/flink-distill.jar")
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

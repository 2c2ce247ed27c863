#!/usr/bin/env bash
# Students per job on the local standalone cluster, in one run: the same N samples are trained by a
# job with 1, then 2, then 3 students (the rows split by source file, one route per extra student,
# one trainer subtask per student), each job bounded and alone on the cluster. Prints trained
# samples per second per student (samples it trained / the job's duration from Flink's REST API)
# and in total.
#
#   deploy/students.sh [N]       (default N = 6000 SST-2 training rows)
#
# Starts (and stops) its own Kafka broker and cluster: 2 TaskManagers x 2 slots.
set -euo pipefail
n="${1:-6000}"
work="${STUDENTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/target/students}"
REST_PORT="${REST_PORT:-8092}"
source "$(dirname "${BASH_SOURCE[0]}")/bench-cluster.sh"

# The jobs share the metrics topic (students k1-s1; k2-s1, k2-s2; k3-s1 ... k3-s3).
# Topic students-K holds the N rows as K source files of N/K rows: s1.tsv ... sK.tsv.
for k in 1 2 3; do
  for i in $(seq 1 "$k"); do
    python3 - "$work/data.tsv" "$work/k$k-s$i.tsv" "$k" "$i" <<'EOF'
import sys
src, out, k, i = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = open(src).read().splitlines()
header, rows = lines[0], lines[1:]
part = len(rows) // k
with open(out, "w") as f:
    f.write("\n".join([header] + rows[(i - 1) * part : i * part]) + "\n")
EOF
    "${distill[@]}" produce --data "$work/k$k-s$i.tsv" --topic "students-$k" --bootstrap-servers "$bootstrap" \
      --labelled-fraction 0.05 > /dev/null
  done
done

duration_ms() { curl -sf "$url/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["duration"])'; }

for k in 1 2 3; do
  routes=()
  for i in $(seq 2 "$k"); do routes+=(--route "k$k-s$i=k$k-s$i.tsv*"); done
  job="$("$here/local-cluster.sh" submit run --bounded --bootstrap-servers "$bootstrap" \
    --teacher-head "$work/head.json" --samples-topic "students-$k" --group-id "students-$k" \
    --student "k$k-s1" "${routes[@]}" --trainer-parallelism "$k" \
    --export-dir "$work/students-k$k" --model-store "file://$work/models-k$k" | tail -1)"
  "$here/local-cluster.sh" wait "$job" 1800 > /dev/null
  ms="$(duration_ms "$job")"
  "${distill[@]}" monitor --bootstrap-servers "$bootstrap" --json --idle-exit-seconds 5 \
    | grep "\"student\": *\"k$k-" > "$work/metrics-k$k.jsonl"
  python3 - "$work/metrics-k$k.jsonl" "$k" "$ms" <<'EOF'
import json, sys
path, k, ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
trained = {}
for line in open(path):
    r = json.loads(line)
    trained[r["student"]] = max(trained.get(r["student"], 0), r["samples_trained"])
per = ", ".join("%s %d samples, %.1f/s" % (s, t, t * 1000 / ms) for s, t in sorted(trained.items()))
print("%d student(s): job %.1f s; %s; total %.1f trained samples/s"
      % (k, ms / 1000, per, sum(trained.values()) * 1000 / ms))
EOF
done

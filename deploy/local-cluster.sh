#!/usr/bin/env bash
# A real Flink standalone cluster on 127.0.0.1, started from Maven jars (no Flink download):
# one JobManager and N TaskManager JVMs, web UI and REST on $REST_PORT.
#
#   deploy/local-cluster.sh start                 start the cluster (builds the jars first if needed)
#   deploy/local-cluster.sh submit ARGS...        upload the job jar and run it: ARGS are the job's
#                                                 options, e.g. run --bootstrap-servers H:P --teacher-head F
#                                                 (SAVEPOINT=path resumes from a savepoint; PARALLELISM=n)
#   deploy/local-cluster.sh savepoint JOB_ID      stop the job with a savepoint; prints its location
#   deploy/local-cluster.sh drain JOB_ID          the same, draining first: every operator ends its input
#                                                 (the trainer writes its final files), as a bounded job ends
#   deploy/local-cluster.sh status                TaskManagers, slots and jobs
#   deploy/local-cluster.sh wait JOB_ID [SECONDS] wait until a (bounded) job has finished (default 600 s);
#                                                 fails naming the state if it failed or was cancelled
#   deploy/local-cluster.sh kill-busy-taskmanager [JOB_ID]
#                                                 kill -9 the TaskManager with the most busy slots (of those
#                                                 running JOB_ID's subtasks, if given); prints its name
#   deploy/local-cluster.sh add-taskmanager       start one more TaskManager
#   deploy/local-cluster.sh stop                  stop every JVM of the cluster
#
# Settings (environment): TASKMANAGERS (1), SLOTS per TaskManager (2), REST_PORT (8081),
# TM_MEMORY (3g: libtorch and ONNX Runtime live off-heap, see deploy/README.md), JM_MEMORY (1g),
# CLUSTER_DIR (deploy/target/local-cluster: config, logs, checkpoints, savepoints).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
dir="${CLUSTER_DIR:-$here/target/local-cluster}"
taskmanagers="${TASKMANAGERS:-1}"
slots="${SLOTS:-2}"
port="${REST_PORT:-8081}"
prom_ports="${PROM_PORTS:-9249-9259}"
tm_memory="${TM_MEMORY:-3g}"
jm_memory="${JM_MEMORY:-1g}"
job_jar="$root/pipeline/target/flink-distill-job.jar"
classpath="$here/target/flink/runtime/*:$here/target/flink/lib/*"
url="http://127.0.0.1:$port"
java_opts=(-Dai.djl.offline=true
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)
export OMP_WAIT_POLICY=PASSIVE

die() { echo "local-cluster: $*" >&2; exit 1; }

json() { # json FIELD.PATH < document
  python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else v)' "$1"
}

build() {
  if [[ ! -f "$job_jar" || ! -d "$here/target/flink/lib" ]]; then
    echo "Building the job jar and the Flink lib folder (mvn -B -q -DskipTests install)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true install) >&2
  fi
}

write_config() {
  mkdir -p "$dir/conf" "$dir/log" "$dir/checkpoints" "$dir/savepoints"
  cat > "$dir/conf/config.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $port
jobmanager.memory.process.size: $jm_memory
taskmanager.memory.process.size: $tm_memory
# libtorch and ONNX Runtime allocate outside the JVM heap.
taskmanager.memory.task.off-heap.size: 512m
taskmanager.numberOfTaskSlots: $slots
parallelism.default: 1
execution.checkpointing.dir: file://$dir/checkpoints
execution.checkpointing.savepoint-dir: file://$dir/savepoints
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 10
restart-strategy.fixed-delay.delay: 2 s
web.upload.dir: $dir/uploads
# Notice a lost TaskManager in seconds, not the default 50.
heartbeat.interval: 2000
heartbeat.timeout: 10000
# A job's main runs inside the JobManager on REST submission: it must not end the JVM.
cluster.intercept-user-system-exit: THROW
# Prometheus: each JVM serves /metrics on the first free port of the range (JobManager first, then TaskManagers).
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $prom_ports
EOF
  cat > "$dir/conf/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.name = File
appender.file.type = File
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n
EOF
}

memory_flags() { # memory_flags GET_TM_RESOURCE_PARAMS|GET_JM_RESOURCE_PARAMS -> "jvm flags|dynamic configs"
  java -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$dir/conf" 2>/dev/null \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

launch() { # launch NAME MAIN_CLASS MEMORY_KIND
  local name="$1" main="$2" params jvm dynamic
  params="$(memory_flags "$3")"
  jvm="$(sed -n 1p <<< "$params")"
  dynamic="$(sed -n 2p <<< "$params")"
  # shellcheck disable=SC2086
  [[ "$name" == taskmanager-* ]] && dynamic="$dynamic -D taskmanager.resource-id=$name"
  nohup java $jvm "${java_opts[@]}" -Dlog.file="$dir/log/$name.log" \
    -Dlog4j.configurationFile="file:$dir/conf/log4j.properties" \
    -cp "$classpath" "$main" --configDir "$dir/conf" $dynamic > "$dir/log/$name.out" 2>&1 &
  echo $! > "$dir/$name.pid"
}

wait_for_taskmanagers() {
  local deadline=$((SECONDS + 120)) n=0
  while (( SECONDS < deadline )); do
    n="$(curl -sf "$url/overview" 2>/dev/null | json taskmanagers 2>/dev/null || true)"
    [[ "$n" == "$1" ]] && return 0
    sleep 1
  done
  die "only ${n:-0} of $1 TaskManagers registered within 120 s; see $dir/log"
}

start() {
  build
  curl -sf "$url/overview" > /dev/null 2>&1 && die "something already answers on $url (stop it or set REST_PORT)"
  local t0=$SECONDS
  write_config
  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
  for i in $(seq 1 "$taskmanagers"); do
    launch "taskmanager-$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
  done
  wait_for_taskmanagers "$taskmanagers"
  echo "Flink cluster up in $((SECONDS - t0)) s: $taskmanagers TaskManager(s) x $slots slots, web UI and REST on $url"
}

submit() {
  build
  [[ $# -gt 0 ]] || die "submit needs the job's arguments, e.g. run --bootstrap-servers H:P --teacher-head F"
  local upload jar_id body
  upload="$(curl -sf -X POST -F "jarfile=@$job_jar" "$url/jars/upload")" || die "jar upload to $url failed"
  jar_id="$(json filename <<< "$upload")"
  jar_id="${jar_id##*/}"
  body="$(python3 -c 'import json,os,sys
b={"programArgsList": sys.argv[1:], "parallelism": int(os.environ.get("PARALLELISM","1"))}
if os.environ.get("SAVEPOINT"): b["savepointPath"]=os.environ["SAVEPOINT"]
print(json.dumps(b))' "$@")"
  local answer
  answer="$(curl -s -X POST -H 'Content-Type: application/json' -d "$body" "$url/jars/$jar_id/run")"
  local job
  job="$(json jobid <<< "$answer" 2>/dev/null || true)"
  [[ -n "$job" ]] || die "the job did not start: $answer"
  echo "$job"
}

savepoint() { # savepoint JOB_ID [DRAIN=false|true]
  # Flink refuses a savepoint while any task of the job is not running (a restart after a lost
  # TaskManager, say): then this waits and asks again, within the same 300 s.
  local job="${1:?savepoint needs a job id}" drain="${2:-false}" request status location deadline=$((SECONDS + 300))
  while (( SECONDS < deadline )); do
    request="$(curl -sf -X POST -H 'Content-Type: application/json' \
      -d "{\"targetDirectory\": \"file://$dir/savepoints\", \"drain\": $drain}" "$url/jobs/$job/stop" | json request-id)"
    while (( SECONDS < deadline )); do
      status="$(curl -sf "$url/jobs/$job/savepoints/$request")"
      [[ "$(json status.id <<< "$status")" == "COMPLETED" ]] && break
      sleep 1
    done
    [[ "$(json status.id <<< "$status")" == "COMPLETED" ]] || break
    location="$(json operation.location <<< "$status")"
    if [[ -n "$location" ]]; then
      echo "$location"
      return 0
    fi
    [[ "$status" == *"Not all required tasks are currently running"* ]] || die "savepoint failed: $status"
    echo "local-cluster: job $job is not running all its tasks (restarting?); asking again in 2 s" >&2
    sleep 2
  done
  die "no savepoint of $job within 300 s"
}

taskmanagers_of() { # JOB_ID -> the TaskManagers running its subtasks, one per line
  local vertex
  for vertex in $(curl -sf "$url/jobs/$1" | python3 -c 'import json,sys
print(" ".join(v["id"] for v in json.load(sys.stdin)["vertices"]))'); do
    curl -sf "$url/jobs/$1/vertices/$vertex/taskmanagers" | python3 -c 'import json,sys
for t in json.load(sys.stdin)["taskmanagers"]:
    print(t["taskmanager-id"])'
  done | sort -u
}

kill_busy_taskmanager() { # [JOB_ID]
  local busy candidates=""
  [[ -n "${1:-}" ]] && candidates="$(taskmanagers_of "$1" | tr '\n' ' ')"
  busy="$(curl -sf "$url/taskmanagers" | python3 -c 'import json,sys
only = sys.argv[1].split()
busy = [(t["slotsNumber"] - t["freeSlots"], t["id"]) for t in json.load(sys.stdin)["taskmanagers"]]
busy = [b for b in busy if b[0] > 0 and (not only or b[1] in only)]
if busy:
    print(max(busy)[1])' "$candidates")"
  [[ -n "$busy" && -f "$dir/$busy.pid" ]] || die "no busy TaskManager of this cluster found${1:+ running job $1}"
  kill -9 "$(cat "$dir/$busy.pid")"
  rm -f "$dir/$busy.pid"
  echo "$busy"
}

wait_job() {
  local job="${1:?wait needs a job id}" deadline=$((SECONDS + ${2:-600})) state
  while (( SECONDS < deadline )); do
    state="$(curl -sf "$url/jobs/$job" | json state 2>/dev/null || true)"
    case "$state" in
      FINISHED) echo "$job FINISHED"; return 0 ;;
      FAILED|CANCELED) die "job $job ended $state; see $dir/log" ;;
    esac
    sleep 1
  done
  die "job $job not finished within ${2:-600} s (state ${state:-unknown})"
}

add_taskmanager() {
  local i=1
  while [[ -f "$dir/log/taskmanager-$i.log" || -f "$dir/taskmanager-$i.pid" ]]; do i=$((i + 1)); done
  launch "taskmanager-$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
  echo "taskmanager-$i"
}

status() {
  curl -sf "$url/overview" || die "no cluster answers on $url"
  echo
  curl -sf "$url/jobs/overview"
  echo
}

stop() {
  local pids=()
  for f in "$dir"/*.pid; do
    [[ -f "$f" ]] || continue
    pids+=("$(cat "$f")")
    rm -f "$f"
  done
  [[ ${#pids[@]} -gt 0 ]] || { echo "no cluster running from $dir"; return 0; }
  kill "${pids[@]}" 2> /dev/null || true
  local deadline=$((SECONDS + 20))
  while (( SECONDS < deadline )) && kill -0 "${pids[@]}" 2> /dev/null; do sleep 0.5; done
  kill -9 "${pids[@]}" 2> /dev/null || true
  echo "stopped ${#pids[@]} JVM(s)"
}

case "${1:-}" in
  start) start ;;
  submit) shift; submit "$@" ;;
  savepoint) savepoint "${2:-}" false ;;
  drain) savepoint "${2:-}" true ;;
  status) status ;;
  wait) shift; wait_job "$@" ;;
  kill-busy-taskmanager) kill_busy_taskmanager "${2:-}" ;;
  add-taskmanager) add_taskmanager ;;
  stop) stop ;;
  *) sed -n '2,24p' "$0"; exit 2 ;;
esac

# Shared by start, stop and submit: where the Flink lib folder and the cluster's run folder are,
# how to build the lib folder, how to read the cluster's configuration.
CLUSTER_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHRONICLE_ROOT="$(cd "$CLUSTER_HOME/../.." && pwd)"
FLINK_LIB_DIR="$CLUSTER_HOME/target/flink/lib"
# Everything a running cluster owns: conf/ (copied from deploy/cluster/conf with the ports set),
# log/ and the pid files. CHRONICLE_CLUSTER_RUN_DIR moves it.
RUN_DIR="${CHRONICLE_CLUSTER_RUN_DIR:-$CLUSTER_HOME/target/run}"
RUN_CONF_DIR="$RUN_DIR/conf"
RUN_LOG_DIR="$RUN_DIR/log"
JAVA_RUN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Builds target/flink/lib (Flink 2.1.1's lib/ from Maven artifacts) when it is missing.
cluster_build_lib() {
  if ! ls "$FLINK_LIB_DIR"/flink-runtime-*.jar >/dev/null 2>&1; then
    echo "Building the Flink lib folder ($FLINK_LIB_DIR) ..."
    (cd "$CHRONICLE_ROOT" && ./mvnw -q -B -ntp -f deploy/cluster/pom.xml package)
  fi
}

cluster_classpath() {
  local cp="" jar
  for jar in "$FLINK_LIB_DIR"/*.jar; do cp="${cp:+$cp:}$jar"; done
  echo "$cp"
}

# Value of a flat key in the run configuration (as Flink's config.sh reads it), else $2.
cluster_conf() {
  local value
  value="$(sed -n "s/^[ ]*$1[ ]*: \([^#]*\).*$/\1/p" "$RUN_CONF_DIR/config.yaml" | sed 's/^ *//;s/ *$//' | tail -n 1)"
  echo "${value:-$2}"
}

cluster_rest_url() {
  echo "http://$(cluster_conf rest.address localhost):$(cluster_conf rest.port 8081)"
}

# True when the pid file names a live process running the given main class.
cluster_alive() {
  local pid_file="$1" class="$2" pid
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$class"
}

JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

# Shared by start, stop, submit and flink: where the Flink lib and plugins folders and the
# cluster's run folder are, how to build the folders, how to read the cluster's configuration.
CLUSTER_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHRONICLE_ROOT="$(cd "$CLUSTER_HOME/../.." && pwd)"
FLINK_LIB_DIR="$CLUSTER_HOME/target/flink/lib"
# One folder per plugin, as in a distribution's plugins/ (s3-fs-hadoop: s3:// checkpoints).
FLINK_PLUGINS_DIR="$CLUSTER_HOME/target/flink/plugins"
# Everything a running cluster owns: conf/ (copied from deploy/cluster/conf with the ports set),
# log/ and the pid files. CHRONICLE_CLUSTER_RUN_DIR moves it.
RUN_DIR="${CHRONICLE_CLUSTER_RUN_DIR:-$CLUSTER_HOME/target/run}"
RUN_CONF_DIR="$RUN_DIR/conf"
RUN_LOG_DIR="$RUN_DIR/log"
JAVA_RUN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Builds target/flink/lib (with the root pom's sqlite-jdbc) and target/flink/plugins (Flink 2.1.1's,
# from Maven artifacts) when either is missing.
cluster_build_dist() {
  local sqlite_version
  sqlite_version="$(sed -n 's:.*<sqlite.jdbc.version>\(.*\)</sqlite.jdbc.version>.*:\1:p' "$CHRONICLE_ROOT/pom.xml")"
  if ! ls "$FLINK_LIB_DIR"/flink-runtime-*.jar "$FLINK_LIB_DIR/sqlite-jdbc-$sqlite_version.jar" \
      "$FLINK_PLUGINS_DIR"/s3-fs-hadoop/*.jar >/dev/null 2>&1; then
    echo "Building the Flink lib and plugins folders ($CLUSTER_HOME/target/flink) ..."
    rm -f "$FLINK_LIB_DIR"/sqlite-jdbc-*.jar
    (cd "$CHRONICLE_ROOT" && ./mvnw -q -B -ntp -f deploy/cluster/pom.xml package -Dsqlite.jdbc.version="$sqlite_version")
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

# Flink's CLI (bin/flink) against the cluster, with its configuration and plugins: $@ are the
# action and its options, for example `run -d JAR` or `stop --savepointPath DIR JOB_ID`.
cluster_cli() {
  local java_opts_all=() client_opts=()
  read -r -a java_opts_all <<< "$(cluster_conf env.java.opts.all "")"
  read -r -a client_opts <<< "$(cluster_conf env.java.opts.client "")"
  mkdir -p "$RUN_LOG_DIR"
  FLINK_CONF_DIR="$RUN_CONF_DIR" FLINK_LIB_DIR="$FLINK_LIB_DIR" FLINK_PLUGINS_DIR="$FLINK_PLUGINS_DIR" \
  exec "$JAVA_RUN" "${java_opts_all[@]}" "${client_opts[@]}" \
    -Dlog.file="$RUN_LOG_DIR/flink-client.log" \
    -Dlog4j.configuration="file:$RUN_CONF_DIR/log4j-cli.properties" \
    -Dlog4j.configurationFile="file:$RUN_CONF_DIR/log4j-cli.properties" \
    -classpath "$(cluster_classpath)" org.apache.flink.client.cli.CliFrontend "$@"
}

# Exits unless a cluster runs from RUN_DIR.
cluster_require_running() {
  if [ ! -f "$RUN_CONF_DIR/config.yaml" ] || ! cluster_alive "$RUN_DIR/jobmanager.pid" "$JM_CLASS"; then
    echo "No cluster running from $RUN_DIR; start it with deploy/cluster/start." >&2
    exit 1
  fi
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

# The TaskManagers the cluster was started with (start --taskmanagers).
cluster_taskmanagers() {
  cat "$RUN_DIR/taskmanagers" 2>/dev/null || echo 1
}

# True when the JobManager or any TaskManager runs from RUN_DIR.
cluster_any_alive() {
  local pid_file
  cluster_alive "$RUN_DIR/jobmanager.pid" "$JM_CLASS" && return 0
  for pid_file in "$RUN_DIR"/taskmanager-*.pid; do
    cluster_alive "$pid_file" "$TM_CLASS" && return 0
  done
  return 1
}

JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

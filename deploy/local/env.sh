# Shared by the local-stack scripts: where the project is, how to build it, how to run its JVMs.
CHRONICLE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Flink and Iceberg reach into these JDK internals on Java 17.
CHRONICLE_JVM_OPTS=(
  -Xmx4g
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)

chronicle_build() {
  echo "Building Chronicle ..."
  (cd "$CHRONICLE_ROOT" && ./mvnw -q -B -ntp install -DskipTests)
}

chronicle_classpath() {
  local stack="$CHRONICLE_ROOT/deploy/local-stack/target"
  echo "$stack/classes:$(cat "$stack/runtime.classpath")"
}

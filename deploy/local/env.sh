# Shared by the local-stack scripts: where the project is, how to build it, how to run its JVMs.
CHRONICLE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Flink and Iceberg reach into these JDK internals on Java 17.
CHRONICLE_JVM_OPTS=(
  -Xmx4g
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)

# Written after a successful build; the build is skipped while no pom.xml and no file under a src/
# folder is newer. Even an up-to-date Maven build takes over a minute on 2 cores, which a restart
# after a crash would otherwise spend before Chronicle starts.
CHRONICLE_BUILD_STAMP="$CHRONICLE_ROOT/deploy/local-stack/target/build.stamp"

chronicle_build() {
  if [ -f "$CHRONICLE_BUILD_STAMP" ] && [ -z "$(cd "$CHRONICLE_ROOT" && find . \
      \( -name target -o -name '.*' ! -name . \) -prune -o \
      \( -name pom.xml -o -path '*/src/*' \) -type f -newer "$CHRONICLE_BUILD_STAMP" -print -quit)" ]; then
    echo "Chronicle is built and up to date."
    return
  fi
  echo "Building Chronicle ..."
  (cd "$CHRONICLE_ROOT" && ./mvnw -q -B -ntp install -DskipTests)
  touch "$CHRONICLE_BUILD_STAMP"
}

chronicle_classpath() {
  local stack="$CHRONICLE_ROOT/deploy/local-stack/target"
  echo "$stack/classes:$(cat "$stack/runtime.classpath")"
}

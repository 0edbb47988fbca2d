package io.chronicle.jobs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chronicle.catalog.CatalogProperties;
import io.chronicle.core.CatalogType;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every offered {@code chronicle.catalog.type} loads from the job jar alone. Each catalog is opened
 * through the jar's own catalog loader, in a class loader holding only the jar and what a Flink
 * distribution's {@code lib/} provides, with the properties Chronicle derives from its options,
 * and must answer a namespace listing: from a SQLite file, or from a local stub of the
 * REST, Glue or Nessie API. A client library missing from the jar fails its type here.
 */
class JobJarCatalogsITCase {

    private static final String NESSIE_HASH = "2e1cfa82b035c26cbbbdae632cea070514eb8b773f616aaeaf668e2f0be8f10d";

    /** Answers by request line ({@code METHOD path}, or {@code POST target} for AWS JSON APIs). */
    private static final Map<String, String> STUB_ANSWERS = Map.of(
            "GET /v1/config", "{\"defaults\":{},\"overrides\":{}}",
            "GET /v1/namespaces", "{\"namespaces\":[[\"chronicle\"]]}",
            "POST AWSGlue.GetDatabases", "{\"DatabaseList\":[{\"Name\":\"chronicle\"}]}",
            "GET /api/v2/config", "{\"defaultBranch\":\"main\",\"minSupportedApiVersion\":1,"
                    + "\"maxSupportedApiVersion\":2,\"actualApiVersion\":2,\"specVersion\":\"2.1.0\"}",
            "GET /api/v2/trees/-",
            "{\"reference\":{\"type\":\"BRANCH\",\"name\":\"main\",\"hash\":\"" + NESSIE_HASH + "\"}}",
            "GET /api/v2/trees/main/entries",
            "{\"entries\":[{\"type\":\"NAMESPACE\",\"name\":{\"elements\":[\"chronicle\"]}}],\"hasMore\":false}",
            "POST /api/v2/trees/main/contents", "{\"contents\":[{\"key\":{\"elements\":[\"chronicle\"]},"
                    + "\"content\":{\"type\":\"NAMESPACE\",\"id\":\"1\",\"elements\":[\"chronicle\"]}}]}");

    @TempDir
    Path tempDir;

    private HttpServer stub;
    private final List<String> stubRequests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startStub() throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", this::answer);
        stub.start();
    }

    @AfterEach
    void stopStub() {
        stub.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String request = exchange.getRequestMethod() + " "
                + (target != null ? target : exchange.getRequestURI().getPath());
        stubRequests.add(request);
        exchange.getRequestBody().readAllBytes();
        String body = STUB_ANSWERS.get(request);
        byte[] bytes = (body == null ? "{}" : body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type",
                target != null ? "application/x-amz-json-1.1" : "application/json");
        exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String stubUrl() {
        return "http://127.0.0.1:" + stub.getAddress().getPort();
    }

    @ParameterizedTest
    @EnumSource(CatalogType.class)
    void everyOfferedCatalogTypeLoadsFromTheJobJarAlone(CatalogType type) throws Exception {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.CATALOG_TYPE, type.value());
        List<String> expectedRequests = switch (type) {
            case JDBC -> {
                conf.set(ChronicleOptions.CATALOG_URI, "jdbc:sqlite:" + tempDir.resolve("catalog.db"));
                yield List.of();
            }
            case REST -> {
                conf.set(ChronicleOptions.CATALOG_URI, stubUrl());
                yield List.of("GET /v1/config", "GET /v1/namespaces");
            }
            case GLUE -> {
                conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "glue.endpoint", stubUrl());
                // Unsigned requests: the stub checks no signature, and no AWS credentials are needed.
                conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "client.credentials-provider",
                        "software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider");
                yield List.of("POST AWSGlue.GetDatabases");
            }
            case NESSIE -> {
                conf.set(ChronicleOptions.CATALOG_URI, stubUrl() + "/api/v2");
                yield List.of("GET /api/v2/config", "GET /api/v2/trees/-", "GET /api/v2/trees/main/entries",
                        "POST /api/v2/trees/main/contents");
            }
        };
        // A new JDBC catalog is empty; each stub lists one namespace.
        String expected = type == CatalogType.JDBC ? "[]" : "[chronicle]";

        Map<String, String> properties = CatalogProperties.icebergProperties(conf);
        // SQLite's driver is not in the jar: Flink's lib/ holds it, once per process.
        try (URLClassLoader jar = type == CatalogType.JDBC ? jobJarOver(sqliteInLib()) : jobJarAlone()) {
            assertThat(listNamespaces(jar, properties)).isEqualTo(expected);
        }
        assertThat(stubRequests).isEqualTo(expectedRequests);
    }

    /**
     * A SQLite driver in the job's class loader would be a copy of SQLite per job in one task
     * manager, whose file locks do not see each other's; the jar carries none, and a catalog
     * opened from a class loader that has one of its own is refused, naming the option.
     */
    @Test
    void aSqliteCatalogNeedsTheDriverFromFlinksLib() throws Exception {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.CATALOG_TYPE, CatalogType.JDBC.value());
        conf.set(ChronicleOptions.CATALOG_URI, "jdbc:sqlite:" + tempDir.resolve("catalog.db"));
        Map<String, String> properties = CatalogProperties.icebergProperties(conf);
        try (URLClassLoader jar = jobJarAlone()) {
            assertThat(catchThrowable(() -> Class.forName("org.sqlite.JDBC", false, jar)))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThat(catchThrowable(() -> listNamespaces(jar, properties)))
                    .hasMessageContaining("chronicle.catalog.uri")
                    .hasMessageContaining("no SQLite driver");
        }
        URL sqlite = Class.forName("org.sqlite.JDBC").getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader jarWithDriver = new URLClassLoader(
                "job-jar-with-sqlite", new URL[] {jobJar().toUri().toURL(), sqlite}, flinkLib(null))) {
            assertThat(catchThrowable(() -> listNamespaces(jarWithDriver, properties)))
                    .hasMessageContaining("chronicle.catalog.uri")
                    .hasMessageContaining("loaded with the job's classes");
        }
        assertThat(tempDir.resolve("catalog.db")).doesNotExist();
    }

    /**
     * Iceberg's Hive and Hadoop catalog classes are in the jar (Iceberg's Flink module brings them),
     * but neither opens from it: the Hive catalog lacks the metastore client, the Hadoop catalog
     * the parts of Hadoop beyond its Configuration. When one opens, it should be offered.
     */
    @Test
    void typesNotOfferedDoNotOpenFromTheJobJar() throws Exception {
        // A class each catalog needs, which the jar lacks (the first one the JVM trips over varies).
        Map<String, String> missingClass = Map.of(
                CatalogUtil.ICEBERG_CATALOG_HIVE, "org.apache.hadoop.hive.metastore.IMetaStoreClient",
                CatalogUtil.ICEBERG_CATALOG_HADOOP, "org.apache.commons.collections.map.UnmodifiableMap");
        for (Map.Entry<String, String> type : missingClass.entrySet()) {
            Configuration conf = new Configuration();
            conf.set(ChronicleOptions.CATALOG_IMPL, type.getKey());
            conf.set(ChronicleOptions.CATALOG_URI, "thrift://127.0.0.1:" + stub.getAddress().getPort());
            Map<String, String> properties = CatalogProperties.icebergProperties(conf);
            try (URLClassLoader jar = jobJarAlone()) {
                StringWriter trace = new StringWriter();
                catchThrowable(() -> listNamespaces(jar, properties)).printStackTrace(new PrintWriter(trace));
                assertThat(trace.toString()).as(type.getKey())
                        .containsAnyOf(NoClassDefFoundError.class.getName(), ClassNotFoundException.class.getName());
                assertThat(catchThrowable(() -> Class.forName(type.getValue(), false, jar)))
                        .isInstanceOf(ClassNotFoundException.class);
            }
        }
        assertThat(stubRequests).isEmpty();
    }

    /**
     * Opens the catalog with the jar's {@code ChronicleCatalogLoader}, with the jar as the thread's
     * context class loader (as on a task manager), and lists its top-level namespaces.
     */
    private static String listNamespaces(ClassLoader jar, Map<String, String> properties) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(jar);
        try {
            Class<?> loaderClass = Class.forName("io.chronicle.catalog.ChronicleCatalogLoader", true, jar);
            Object loader = loaderClass.getConstructor(String.class, Map.class).newInstance("chronicle", properties);
            Object catalog = loaderClass.getMethod("loadCatalog").invoke(loader);
            assertThat(catalog.getClass().getClassLoader()).as("the catalog's class loader").isSameAs(jar);
            try {
                Class<?> namespace = Class.forName("org.apache.iceberg.catalog.Namespace", true, jar);
                Object empty = namespace.getMethod("empty").invoke(null);
                return String.valueOf(catalog.getClass().getMethod("listNamespaces", namespace).invoke(catalog, empty));
            } finally {
                if (catalog instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (Exception) e.getCause();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * The job jar over what a Flink distribution's {@code lib/} provides to it: Flink's classes and
     * slf4j (loaded parent-first, as Flink's class loaders do), and the JDK. Nothing else of the
     * test's classpath is visible, so a library missing from the jar cannot be found elsewhere.
     */
    private static URLClassLoader jobJarAlone() throws IOException {
        return jobJarOver(flinkLib(null));
    }

    private static URLClassLoader jobJarOver(ClassLoader flinkLib) throws IOException {
        return new URLClassLoader("job-jar", new URL[] {jobJar().toUri().toURL()}, flinkLib);
    }

    /** Flink's lib/ with sqlite-jdbc added, as {@code deploy/cluster} assembles it. */
    private static ClassLoader sqliteInLib() {
        return flinkLib("org.sqlite.");
    }

    /**
     * What a distribution's lib/ gives the job: Flink's classes, slf4j, and classes whose names
     * start with {@code extraPackage} (unless null), all from the test's class path, where the
     * catalog's check also finds Flink's own classes.
     */
    private static ClassLoader flinkLib(String extraPackage) {
        ClassLoader testClasspath = JobJarCatalogsITCase.class.getClassLoader();
        return new ClassLoader("flink-lib", ClassLoader.getPlatformClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.startsWith("org.apache.flink.") || name.startsWith("org.slf4j.")
                        || (extraPackage != null && name.startsWith(extraPackage))) {
                    return testClasspath.loadClass(name);
                }
                throw new ClassNotFoundException(name);
            }
        };
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-job.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no job jar in target/: the ITs run after 'package' builds it"));
        }
    }
}

package io.chronicle.catalog;

import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Why a SQLite catalog needs one copy of the driver per process (two copies in one JVM let two
 * writers commit at once and lose one commit, one copy serializes them), and the check that refuses
 * a driver loaded with a job's classes.
 */
class SqliteDriverScopeTest {

    @TempDir
    Path dir;

    @Test
    void twoCopiesOfSqliteInOneProcessLoseACommittedWrite() throws Exception {
        try (URLClassLoader first = isolatedDriver(); URLClassLoader second = isolatedDriver()) {
            String url = newDatabase(first);
            try (Connection a = connect(first, url); Connection b = connect(second, url)) {
                firstWritesWhileSecondReads(a, b);
                update(b, 2, "b"); // granted: the second copy does not see the first copy's lock
                a.commit();
                commitIgnoringFailure(b);
            }
            try (Connection check = connect(first, url)) {
                assertThat(read(check)).as("the first writer's committed row").doesNotContainEntry(1, "a");
            }
        }
    }

    @Test
    void oneCopySerializesTheWritersAndKeepsEveryCommit() throws Exception {
        try (URLClassLoader driver = isolatedDriver()) {
            String url = newDatabase(driver);
            try (Connection a = connect(driver, url); Connection b = connect(driver, url)) {
                firstWritesWhileSecondReads(a, b);
                assertThatThrownBy(() -> update(b, 2, "b")).hasMessageContaining("SQLITE_BUSY");
                b.rollback();
                a.commit();
                update(b, 2, "b");
                b.commit();
            }
            try (Connection check = connect(driver, url)) {
                assertThat(read(check)).isEqualTo(Map.of(1, "a", 2, "b"));
            }
        }
    }

    @Test
    void aDriverLoadedWithTheJobsClassesIsRefusedNamingTheOption() throws Exception {
        try (URLClassLoader jobJar = isolatedDriver()) {
            assertThatThrownBy(() -> SqliteDriverScope.requireOneCopyPerProcess(
                            "jdbc:sqlite:/data/catalog.db", jobJar, getClass().getClassLoader()))
                    .isInstanceOf(IllegalConfigurationException.class)
                    .hasMessageContaining("chronicle.catalog.uri")
                    .hasMessageContaining("jdbc:sqlite:/data/catalog.db")
                    .hasMessageContaining("lib/");
        }
    }

    @Test
    void noDriverAtAllIsRefusedNamingTheOption() throws Exception {
        try (URLClassLoader nothing = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> SqliteDriverScope.requireOneCopyPerProcess(
                            "jdbc:sqlite:catalog.db", nothing, getClass().getClassLoader()))
                    .isInstanceOf(IllegalConfigurationException.class)
                    .hasMessageContaining("chronicle.catalog.uri")
                    .hasMessageContaining("no SQLite driver");
        }
    }

    @Test
    void aDriverSharedByTheProcessOrAnotherCatalogPasses() throws Exception {
        ClassLoader process = getClass().getClassLoader();
        try (URLClassLoader job = new URLClassLoader(new URL[0], process);
                URLClassLoader jobJar = isolatedDriver()) {
            assertThatCode(() -> SqliteDriverScope.requireOneCopyPerProcess("jdbc:sqlite:catalog.db", job, process))
                    .doesNotThrowAnyException();
            assertThatCode(() -> SqliteDriverScope.requireOneCopyPerProcess(
                            "jdbc:postgresql://db/iceberg", jobJar, process))
                    .doesNotThrowAnyException();
            assertThatCode(() -> SqliteDriverScope.requireOneCopyPerProcess(null, jobJar, process))
                    .doesNotThrowAnyException();
        }
    }

    /** sqlite-jdbc in a class loader of its own, as a job jar's child-first class loader holds it. */
    private static URLClassLoader isolatedDriver() throws Exception {
        URL jar = Class.forName(SqliteDriverScope.DRIVER_CLASS).getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[] {jar}, ClassLoader.getPlatformClassLoader());
    }

    private String newDatabase(ClassLoader driver) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("catalog.db");
        try (Connection c = connect(driver, url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t VALUES (1, 'x'), (2, 'x')");
        }
        return url;
    }

    private static Connection connect(ClassLoader loader, String url) throws Exception {
        Driver driver = (Driver) Class.forName(SqliteDriverScope.DRIVER_CLASS, true, loader)
                .getConstructor()
                .newInstance();
        Properties properties = new Properties();
        properties.setProperty("busy_timeout", "0");
        return driver.connect(url, properties);
    }

    /** Two transactions: {@code a} has written row 1 and not committed, {@code b} has read. */
    private static void firstWritesWhileSecondReads(Connection a, Connection b) throws SQLException {
        a.setAutoCommit(false);
        b.setAutoCommit(false);
        update(a, 1, "a");
        read(b);
    }

    private static void update(Connection c, int key, String value) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE t SET v = '" + value + "' WHERE k = " + key);
        }
    }

    private static Map<Integer, String> read(Connection c) throws SQLException {
        Map<Integer, String> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT k, v FROM t")) {
            while (r.next()) {
                rows.put(r.getInt(1), r.getString(2));
            }
        }
        return rows;
    }

    /** The second copy's commit may fail (it finds the journal the first copy deleted), or not. */
    private static void commitIgnoringFailure(Connection c) {
        try {
            c.commit();
        } catch (SQLException e) {
            assertThat(e.getMessage()).startsWith("[SQLITE_");
        }
    }
}

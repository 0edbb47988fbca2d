package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.IllegalConfigurationException;

/**
 * A SQLite catalog is safe only with one copy of SQLite per process. SQLite serializes writers
 * with POSIX file locks, which belong to the process, and keeps track of them in the library's own
 * memory. A second copy of the library in the same process (sqlite-jdbc loaded again by another
 * job's class loader, or by a restarted attempt of the same job) takes the write lock the first
 * copy holds as granted, and closing its file releases the first copy's locks. Two commits then
 * write at once, and one of them is lost: the catalog's compare-and-swap lets the next commit
 * through on a stale base, and the data files of the lost commit leave the table. sqlite-jdbc
 * copies its native library per class loader, so this is what a Flink task manager running the
 * driver from a job jar does.
 *
 * <p>So a SQLite catalog is opened only when the driver comes from the class loader of Flink's own
 * classes (a distribution's {@code lib/}, or the classpath of a process embedding Flink), which
 * every job of the process shares.
 */
final class SqliteDriverScope {

    static final String DRIVER_CLASS = "org.sqlite.JDBC";
    private static final String SQLITE_URI_PREFIX = "jdbc:sqlite:";

    private SqliteDriverScope() {}

    /**
     * Fails, naming {@code chronicle.catalog.uri}, when {@code uri} is a SQLite file and the driver
     * that {@code jobClassLoader} finds is missing or not loaded by {@code processClassLoader} (or
     * one of its parents); otherwise loads the driver.
     */
    static void requireOneCopyPerProcess(String uri, ClassLoader jobClassLoader, ClassLoader processClassLoader) {
        if (uri == null || !uri.startsWith(SQLITE_URI_PREFIX)) {
            return;
        }
        ClassLoader driverLoader;
        try {
            // Initialized: the driver registers itself with DriverManager, wherever it came from.
            driverLoader = Class.forName(DRIVER_CLASS, true, jobClassLoader).getClassLoader();
        } catch (ClassNotFoundException e) {
            throw new IllegalConfigurationException(
                    "%s is a SQLite catalog (%s), but this process has no SQLite driver: put sqlite-jdbc"
                            + " into Flink's lib/ (every JobManager and TaskManager, and the client)",
                    ChronicleOptions.CATALOG_URI.key(), uri);
        }
        for (ClassLoader shared = processClassLoader; shared != null; shared = shared.getParent()) {
            if (shared == driverLoader) {
                return;
            }
        }
        throw new IllegalConfigurationException(
                "%s is a SQLite catalog (%s), but its driver is loaded with the job's classes (%s), not"
                        + " once per process: two jobs, or two attempts of one job, would each run a copy"
                        + " of SQLite whose file locks do not see the other's, and a commit would be lost."
                        + " Put sqlite-jdbc into Flink's lib/ and leave it out of the job jar, or use a"
                        + " PostgreSQL, REST, Glue or Nessie catalog",
                ChronicleOptions.CATALOG_URI.key(), uri, driverLoader);
    }
}

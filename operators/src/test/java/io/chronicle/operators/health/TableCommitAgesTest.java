package io.chronicle.operators.health;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class TableCommitAgesTest {

    private static final String NS = "chronicle";
    private static final Schema SCHEMA = new Schema(NestedField.required(1, "v", org.apache.iceberg.types.Types.LongType.get()));

    @TempDir
    Path dir;

    private CatalogLoader loader;
    private Catalog catalog;

    /** SQLite catalog in the temp dir; files in memory, as Hadoop's local file system needs libraries left out. */
    @BeforeEach
    void createCatalog() {
        Configuration conf = ChronicleConfig.validated(Configuration.fromMap(Map.of(
                ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"),
                ChronicleOptions.CATALOG_WAREHOUSE.key(), dir.resolve("warehouse").toUri().toString(),
                ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO")));
        loader = ChronicleCatalogLoader.from(conf);
        catalog = loader.loadCatalog();
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of(NS));
        catalog.createTable(TableIdentifier.of(NS, "committed"), SCHEMA);
        catalog.createTable(TableIdentifier.of(NS, "never_committed"), SCHEMA);
    }

    @AfterEach
    void closeCatalog() throws Exception {
        ((Closeable) catalog).close();
    }

    private OneInputStreamOperatorTestHarness<Long, MetricPoint> harness(OperatorSubtaskState restoreFrom)
            throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(
                new StreamFlatMap<>(new TableCommitAges(loader, NS, List.of("committed", "never_committed"))),
                Types.LONG.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()));
        if (restoreFrom == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }

    private static Map<String, Long> ages(OneInputStreamOperatorTestHarness<Long, MetricPoint> h, long tickMillis)
            throws Exception {
        h.getOutput().clear();
        h.processElement(tickMillis, tickMillis);
        List<MetricPoint> points = h.extractOutputValues();
        assertThat(points).allSatisfy(p -> {
            assertThat(p.metric).isEqualTo(HealthRules.COMMIT_AGE);
            assertThat(p.tenant).isEqualTo(HealthRules.SYSTEM_TENANT);
            assertThat(p.timestampMicros).isEqualTo(tickMillis * 1_000L);
        });
        return points.stream().collect(Collectors.toMap(p -> p.tags.get("table"), p -> (long) p.value));
    }

    private long commit(String table) {
        Table t = catalog.loadTable(TableIdentifier.of(NS, table));
        t.newAppend().commit();
        t.refresh();
        return t.currentSnapshot().timestampMillis();
    }

    @Test
    void agesCountFromTheLastCommitOrFromTheWatchsStart() throws Exception {
        long beforeStart = System.currentTimeMillis();
        try (var h = harness(null)) {
            long afterStart = System.currentTimeMillis();
            long committedAt = commit("committed");
            Map<String, Long> ages = ages(h, committedAt + 120_000);
            assertThat(ages.get("committed")).isEqualTo(120L);
            assertThat(ages.get("never_committed"))
                    .isBetween((committedAt + 120_000 - afterStart) / 1_000, (committedAt + 120_000 - beforeStart) / 1_000);

            long recommittedAt = commit("committed");
            assertThat(ages(h, recommittedAt + 5_000).get("committed")).isEqualTo(5L);
        }
    }

    @Test
    void aTableThatCannotBeReadAgesFromItsLastKnownCommit() throws Exception {
        try (var h = harness(null)) {
            long committedAt = commit("committed");
            assertThat(ages(h, committedAt + 1_000).get("committed")).isEqualTo(1L);
            catalog.dropTable(TableIdentifier.of(NS, "committed"), false);
            assertThat(ages(h, committedAt + 700_000)).containsEntry("committed", 700L).hasSize(2);
        }
    }

    @Test
    void aNewJobFromASavepointStartsWatchingAfreshAndARestartKeepsTheStart() throws Exception {
        OperatorSubtaskState saved;
        try (var h = harness(null)) {
            saved = h.snapshot(1, 1);
        }
        long now = System.currentTimeMillis();
        try (var h = harness(saved)) {
            // Attempt 0 in a harness: a new job. Nothing committed, so the age is from now.
            assertThat(ages(h, now + 30_000).get("never_committed")).isBetween(0L, 30L);
        }
        assertThat(TableCommitAges.watchStart(true, 3, List.of(1_000L), now)).isEqualTo(1_000L);
        assertThat(TableCommitAges.watchStart(true, 0, List.of(1_000L), now)).isEqualTo(now);
        assertThat(TableCommitAges.watchStart(false, 3, List.of(), now)).isEqualTo(now);
    }
}

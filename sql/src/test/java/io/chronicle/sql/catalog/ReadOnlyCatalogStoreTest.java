package io.chronicle.sql.catalog;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.table.catalog.exceptions.CatalogException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The read-only catalog store: the folder's catalogs for every session, a session's own for it alone. */
class ReadOnlyCatalogStoreTest {

    private static final String DEFINITION = "type: chronicle\nuri: jdbc:sqlite:/data/chronicle.db\ns3.path-style-access: true\n";

    @TempDir
    Path folder;

    @BeforeEach
    void writeDefinition() throws Exception {
        Files.writeString(folder.resolve("chronicle.yaml"), DEFINITION);
        Files.writeString(folder.resolve("README"), "not a catalog");
    }

    @Test
    void servesTheFoldersCatalogsAsFlinksFileStoreWritesThem() {
        ReadOnlyCatalogStore store = open();
        assertThat(store.listCatalogs()).containsExactly("chronicle");
        assertThat(store.getCatalog("chronicle").orElseThrow().getConfiguration().toMap()).isEqualTo(Map.of(
                "type", "chronicle", "uri", "jdbc:sqlite:/data/chronicle.db", "s3.path-style-access", "true"));
    }

    @Test
    void aFolderCatalogCannotBeDroppedAlteredOrReplacedAndItsFileStaysAsItWas() throws Exception {
        ReadOnlyCatalogStore store = open();
        assertThatThrownBy(() -> store.removeCatalog("chronicle", false))
                .isInstanceOf(CatalogException.class)
                .hasMessage("Catalog 'chronicle' is defined by the SQL gateway's catalog store ("
                        + folder.resolve("chronicle.yaml") + ") and cannot be dropped, altered or replaced from a session.");
        assertThatThrownBy(() -> store.storeCatalog("chronicle", descriptor("chronicle")))
                .isInstanceOf(CatalogException.class);
        assertThat(store.contains("chronicle")).isTrue();
        assertThat(Files.readString(folder.resolve("chronicle.yaml"))).isEqualTo(DEFINITION);
    }

    @Test
    void aSessionsOwnCatalogLivesInThatSessionOnly() throws Exception {
        ReadOnlyCatalogStore session = open();
        ReadOnlyCatalogStore other = open();
        session.storeCatalog("scratch", descriptor("scratch"));
        assertThat(session.listCatalogs()).containsExactlyInAnyOrder("chronicle", "scratch");
        assertThat(other.contains("scratch")).isFalse();
        try (var files = Files.list(folder)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("chronicle.yaml", "README");
        }
        session.removeCatalog("scratch", false);
        assertThat(session.contains("scratch")).isFalse();
        assertThatThrownBy(() -> session.removeCatalog("scratch", false)).isInstanceOf(CatalogException.class);
        session.removeCatalog("scratch", true);
    }

    private ReadOnlyCatalogStore open() {
        ReadOnlyCatalogStore store = new ReadOnlyCatalogStore(folder);
        store.open();
        return store;
    }

    private static CatalogDescriptor descriptor(String name) {
        return CatalogDescriptor.of(name, Configuration.fromMap(Map.of("type", "generic_in_memory")));
    }
}

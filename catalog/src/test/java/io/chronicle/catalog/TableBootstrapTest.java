package io.chronicle.catalog;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A table created by an earlier version gets the columns a newer definition appends. */
class TableBootstrapTest {

    private final InMemoryCatalog catalog = new InMemoryCatalog();

    @BeforeEach
    void open() {
        catalog.initialize("test", Map.of());
    }

    @Test
    void createsAMissingTableAndAddsAppendedOptionalColumnsToAnExistingOne() {
        TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.StringType.get()),
                required(2, "value", Types.DoubleType.get()))));

        Table evolved = TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.StringType.get()),
                required(2, "value", Types.DoubleType.get()),
                optional(3, "payload_size", Types.IntegerType.get(), "original size"),
                optional(4, "payload_truncated", Types.BooleanType.get())))).get("t");

        assertThat(evolved.schema().columns()).extracting(Types.NestedField::name)
                .containsExactly("tenant", "value", "payload_size", "payload_truncated");
        assertThat(evolved.schema().findField("payload_size").doc()).isEqualTo("original size");
        long snapshots = evolved.history().size();
        // Idempotent: nothing to add the second time.
        TableBootstrap.ensureTables(catalog, "chronicle", definition(evolved.schema()));
        assertThat(catalog.loadTable(TableIdentifier.of(Namespace.of("chronicle"), "t")).schemas()).hasSize(2);
        assertThat(evolved.history()).hasSize((int) snapshots);
    }

    @Test
    void aRequiredColumnOrAnotherTypeCannotBeAddedAndFailsNamingIt() {
        TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.StringType.get()))));

        assertThatThrownBy(() -> TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.StringType.get()),
                required(2, "value", Types.DoubleType.get())))))
                .hasMessageContaining("no column 'value'");
        assertThatThrownBy(() -> TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.LongType.get())))))
                .hasMessageContaining("Column 'tenant'").hasMessageContaining("long");
    }

    @Test
    void nestedColumnsWhoseIdsTheCatalogReassignedAreTheSameType() {
        Schema defined = new Schema(
                required(1, "tenant", Types.StringType.get()),
                required(2, "tags", Types.MapType.ofRequired(20, 21, Types.StringType.get(), Types.StringType.get())),
                optional(3, "samples", Types.ListType.ofRequired(30, Types.DoubleType.get())));
        Table created = TableBootstrap.ensureTables(catalog, "chronicle", definition(defined)).get("t");
        assertThat(created.schema().findField("tags").type()).as("ids assigned afresh")
                .isNotEqualTo(defined.findField("tags").type());

        Table again = TableBootstrap.ensureTables(catalog, "chronicle", definition(defined)).get("t");
        assertThat(again.schemas()).hasSize(1);
        assertThatThrownBy(() -> TableBootstrap.ensureTables(catalog, "chronicle", definition(new Schema(
                required(1, "tenant", Types.StringType.get()),
                required(2, "tags", Types.MapType.ofRequired(20, 21, Types.StringType.get(), Types.LongType.get()))))))
                .hasMessageContaining("Column 'tags'");
    }

    private static TableDefinition definition(Schema schema) {
        return new TableDefinition() {
            @Override
            public String tableName() {
                return "t";
            }

            @Override
            public Schema schema() {
                return schema;
            }

            @Override
            public PartitionSpec spec(Schema s) {
                return PartitionSpec.unpartitioned();
            }

            @Override
            public SortOrder sortOrder(Schema s) {
                return SortOrder.unsorted();
            }
        };
    }
}

package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatalogPropertiesTest {

    private static Map<String, String> propertiesOfType(String type) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.CATALOG_TYPE, type);
        return CatalogProperties.icebergProperties(conf);
    }

    @Test
    void eachOfferedTypeNamesIcebergsCatalogClass() {
        assertThat(propertiesOfType("jdbc")).containsEntry("catalog-impl", CatalogUtil.ICEBERG_CATALOG_JDBC);
        assertThat(propertiesOfType("rest")).containsEntry("catalog-impl", CatalogUtil.ICEBERG_CATALOG_REST);
        assertThat(propertiesOfType("Glue")).containsEntry("catalog-impl", CatalogUtil.ICEBERG_CATALOG_GLUE);
        assertThat(propertiesOfType("nessie")).containsEntry("catalog-impl", CatalogUtil.ICEBERG_CATALOG_NESSIE);
    }

    @Test
    void aCustomClassIsTakenAsItIs() {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.CATALOG_TYPE, "hive");
        conf.set(ChronicleOptions.CATALOG_IMPL, "com.example.MyCatalog");
        assertThat(CatalogProperties.icebergProperties(conf)).containsEntry("catalog-impl", "com.example.MyCatalog");
    }

    @Test
    void aTypeNotOfferedFailsNamingTheOption() {
        assertThatThrownBy(() -> propertiesOfType("hive"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'chronicle.catalog.type'")
                .hasMessageContaining("'hive' is not offered")
                .hasMessageContaining("offered: jdbc, rest, glue, nessie");
    }
}

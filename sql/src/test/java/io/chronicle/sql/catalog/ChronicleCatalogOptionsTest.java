package io.chronicle.sql.catalog;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.factories.FactoryUtil;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** The catalog's options: what Chronicle's configuration becomes, and which options are refused. */
class ChronicleCatalogOptionsTest {

    @Test
    void chroniclesConfigurationBecomesOptionsWithoutItsSecrets() {
        Configuration chronicle = new Configuration();
        chronicle.set(ChronicleOptions.CATALOG_URI, "jdbc:postgresql://db:5432/iceberg");
        chronicle.set(ChronicleOptions.CATALOG_WAREHOUSE, "s3://lake/warehouse");
        chronicle.set(ChronicleOptions.CATALOG_NAMESPACE, "observability");
        chronicle.set(ChronicleOptions.S3_ENDPOINT, "http://s3:9000");
        chronicle.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, true);
        chronicle.set(ChronicleOptions.S3_ACCESS_KEY, "AK");
        chronicle.set(ChronicleOptions.S3_SECRET_KEY, "SK");
        chronicle.setString("chronicle.catalog.properties.jdbc.user", "iceberg");
        chronicle.setString("chronicle.catalog.properties.jdbc.password", "db-secret");

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("type", "chronicle");
        expected.put("catalog-type", "jdbc");
        expected.put("uri", "jdbc:postgresql://db:5432/iceberg");
        expected.put("warehouse", "s3://lake/warehouse");
        expected.put("catalog-name", "chronicle");
        expected.put("default-database", "observability");
        expected.put("s3.endpoint", "http://s3:9000");
        expected.put("s3.region", "us-east-1");
        expected.put("s3.path-style-access", "true");
        expected.put("properties.jdbc.user", "iceberg");
        assertThat(ChronicleCatalogOptions.of(chronicle)).containsExactlyEntriesOf(expected);
    }

    @Test
    void optionsBecomeTheIcebergPropertiesTheJobsUse() {
        Configuration options = new Configuration();
        options.setString("uri", "jdbc:sqlite:/tmp/c.db");
        options.setString("s3.endpoint", "http://s3:9000");
        options.setString("s3.path-style-access", "true");
        Map<String, String> iceberg = ChronicleCatalogOptions.icebergProperties(
                "c", options, Map.of("jdbc.busy_timeout", "30000"));
        assertThat(iceberg).containsOnly(
                entry("catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog"),
                entry("uri", "jdbc:sqlite:/tmp/c.db"),
                entry("warehouse", "s3://chronicle/warehouse"),
                entry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO"),
                entry("s3.endpoint", "http://s3:9000"),
                entry("s3.path-style-access", "true"),
                entry("client.region", "us-east-1"),
                entry("jdbc.busy_timeout", "30000"));
    }

    @Test
    void aCredentialAmongTheOptionsIsRefusedNamingWhereCredentialsComeFrom() {
        for (String key : new String[] {"s3.secret-access-key", "s3.access-key-id", "s3.session-token",
                "jdbc.password", "credential", "token", "header.Authorization", "s3.sse.key"}) {
            Map<String, String> options = new HashMap<>();
            options.put("type", "chronicle");
            options.put("uri", "jdbc:sqlite::memory:");
            options.put("properties." + key, "x");
            assertThatThrownBy(() -> create(options))
                    .as(key)
                    .hasRootCauseInstanceOf(ValidationException.class)
                    .rootCause()
                    .hasMessageStartingWith("Option 'properties." + key + "' of catalog 'c' holds a credential")
                    .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
                    .hasMessageContaining("CHRONICLE_CATALOG_JDBC_PASSWORD");
        }
    }

    @Test
    void anUnknownCatalogTypeOrOptionIsRefused() {
        assertThatThrownBy(() -> create(Map.of("type", "chronicle", "catalog-type", "mysql")))
                .rootCause().hasMessage("Invalid value for option 'catalog-type': unknown catalog type 'mysql'"
                        + " (offered: jdbc, rest, glue, nessie; or set 'catalog-impl' to a Catalog class on the"
                        + " job's classpath)");
        assertThatThrownBy(() -> create(Map.of("type", "chronicle", "s3.secret-key", "x")))
                .rootCause().hasMessageContaining("Unsupported options found for 'chronicle'")
                .hasMessageContaining("s3.secret-key");
    }

    private static void create(Map<String, String> options) {
        FactoryUtil.createCatalog("c", options, new Configuration(),
                ChronicleCatalogOptionsTest.class.getClassLoader());
    }
}

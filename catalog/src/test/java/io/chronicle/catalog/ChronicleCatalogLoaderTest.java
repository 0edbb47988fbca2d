package io.chronicle.catalog;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDBC password from the process that opens the catalog: its environment, else a system property. */
class ChronicleCatalogLoaderTest {

    private static final Map<String, String> PROPERTIES = Map.of("uri", "jdbc:postgresql://db/iceberg");

    @Test
    void thePasswordComesFromTheEnvironmentWhenThePropertiesHoldNone() {
        assertThat(ChronicleCatalogLoader.withEnvironment(PROPERTIES,
                Map.of("CHRONICLE_CATALOG_JDBC_PASSWORD", "from-env"), "from-property"))
                .isEqualTo(Map.of("uri", "jdbc:postgresql://db/iceberg", "jdbc.password", "from-env"));
        assertThat(ChronicleCatalogLoader.withEnvironment(PROPERTIES, Map.of(), "from-property"))
                .isEqualTo(Map.of("uri", "jdbc:postgresql://db/iceberg", "jdbc.password", "from-property"));
    }

    @Test
    void aPasswordInThePropertiesWinsAndNoVariableChangesNothing() {
        Map<String, String> withPassword = Map.of("uri", "jdbc:postgresql://db/iceberg", "jdbc.password", "given");
        assertThat(ChronicleCatalogLoader.withEnvironment(withPassword,
                Map.of("CHRONICLE_CATALOG_JDBC_PASSWORD", "from-env"), "from-property")).isEqualTo(withPassword);
        assertThat(ChronicleCatalogLoader.withEnvironment(PROPERTIES, Map.of(), null)).isEqualTo(PROPERTIES);
    }
}

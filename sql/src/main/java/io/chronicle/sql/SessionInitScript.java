package io.chronicle.sql;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The statements of {@code session-init.sql}, with the catalog's name, options and namespace
 * filled in from configuration.
 */
public final class SessionInitScript {

    static final String RESOURCE = "/io/chronicle/sql/session-init.sql";

    private SessionInitScript() {}

    public static List<String> statements(Configuration conf) {
        return statements(load(), conf);
    }

    /**
     * The statements of another script that names the catalog the same way, for programs that
     * open Chronicle's catalog in Flink SQL as the gateway's sessions do.
     */
    public static List<String> statements(String script, Configuration conf) {
        String filled = script
                .replace("${catalog_options}", options(CatalogProperties.flinkSqlCatalogOptions(conf)))
                .replace("${catalog_name}", conf.get(ChronicleOptions.CATALOG_NAME))
                .replace("${namespace}", conf.get(ChronicleOptions.CATALOG_NAMESPACE));
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : filled.split("\n")) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        return statements;
    }

    private static String options(Map<String, String> options) {
        return options.entrySet().stream()
                .map(e -> quote(e.getKey()) + " = " + quote(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String load() {
        try (InputStream in = SessionInitScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

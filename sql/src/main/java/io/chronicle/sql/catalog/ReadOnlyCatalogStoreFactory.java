package io.chronicle.sql.catalog;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.catalog.CatalogStore;
import org.apache.flink.table.catalog.exceptions.CatalogException;
import org.apache.flink.table.factories.CatalogStoreFactory;
import org.apache.flink.table.factories.FactoryUtil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * The catalog store of kind {@code chronicle} ({@code table.catalog-store.kind: chronicle},
 * {@code table.catalog-store.chronicle.path: <folder>}): the catalogs defined in a folder of files
 * as Flink's {@code file} store writes them, which no session can drop or alter (see
 * {@link ReadOnlyCatalogStore}).
 */
public final class ReadOnlyCatalogStoreFactory implements CatalogStoreFactory {

    public static final String IDENTIFIER = "chronicle";

    public static final ConfigOption<String> PATH =
            key("path").stringType().noDefaultValue()
                    .withDescription("Folder of the catalogs' definitions, one <catalog name>.yaml each.");

    private Path folder;

    @Override
    public void open(Context context) throws CatalogException {
        FactoryUtil.FactoryHelper<CatalogStoreFactory> helper =
                FactoryUtil.createCatalogStoreFactoryHelper(this, context);
        helper.validate();
        folder = Path.of(helper.getOptions().get(PATH));
        if (!Files.isDirectory(folder)) {
            throw new CatalogException(String.format(
                    "Catalog store folder %s (table.catalog-store.%s.%s) is not a directory.",
                    folder, IDENTIFIER, PATH.key()));
        }
    }

    @Override
    public CatalogStore createCatalogStore() {
        return new ReadOnlyCatalogStore(folder);
    }

    @Override
    public void close() throws CatalogException {}

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(PATH);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }
}

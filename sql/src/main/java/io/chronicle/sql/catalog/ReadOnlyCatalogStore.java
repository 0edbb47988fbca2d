package io.chronicle.sql.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.catalog.AbstractCatalogStore;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.table.catalog.exceptions.CatalogException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One session's catalog store: the catalogs defined in a folder, read when the session opens, plus
 * those the session creates, which live as long as it does. Flink's {@code file} store would write
 * a session's {@code CREATE}, {@code ALTER} and {@code DROP CATALOG} into the folder, so one
 * session could remove or redirect the catalog every other session uses; this one never writes,
 * and refuses to drop or alter a catalog the folder defines.
 */
final class ReadOnlyCatalogStore extends AbstractCatalogStore {

    private static final String EXTENSION = ".yaml";
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path folder;
    private final Map<String, CatalogDescriptor> defined = new HashMap<>();
    private final Map<String, CatalogDescriptor> ofSession = new HashMap<>();

    ReadOnlyCatalogStore(Path folder) {
        this.folder = folder;
    }

    @Override
    public void open() throws CatalogException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                if (Files.isRegularFile(file) && fileName.endsWith(EXTENSION)) {
                    String name = fileName.substring(0, fileName.length() - EXTENSION.length());
                    Map<String, String> options = YAML.readValue(file.toFile(), new TypeReference<>() {});
                    defined.put(name, CatalogDescriptor.of(name, Configuration.fromMap(options)));
                }
            }
        } catch (IOException e) {
            throw new CatalogException("Failed to read the catalog definitions in " + folder, e);
        }
        super.open();
    }

    @Override
    public void storeCatalog(String catalogName, CatalogDescriptor catalog) throws CatalogException {
        checkOpenState();
        if (defined.containsKey(catalogName)) {
            throw fixed(catalogName);
        }
        ofSession.put(catalogName, catalog);
    }

    @Override
    public void removeCatalog(String catalogName, boolean ignoreIfNotExists) throws CatalogException {
        checkOpenState();
        if (defined.containsKey(catalogName)) {
            throw fixed(catalogName);
        }
        if (ofSession.remove(catalogName) == null && !ignoreIfNotExists) {
            throw new CatalogException(String.format("Catalog %s does not exist in the catalog store.", catalogName));
        }
    }

    @Override
    public Optional<CatalogDescriptor> getCatalog(String catalogName) throws CatalogException {
        checkOpenState();
        return Optional.ofNullable(defined.getOrDefault(catalogName, ofSession.get(catalogName)));
    }

    @Override
    public Set<String> listCatalogs() throws CatalogException {
        checkOpenState();
        Set<String> names = new HashSet<>(defined.keySet());
        names.addAll(ofSession.keySet());
        return names;
    }

    @Override
    public boolean contains(String catalogName) throws CatalogException {
        checkOpenState();
        return defined.containsKey(catalogName) || ofSession.containsKey(catalogName);
    }

    private CatalogException fixed(String catalogName) {
        return new CatalogException(String.format(
                "Catalog '%s' is defined by the SQL gateway's catalog store (%s) and cannot be dropped,"
                        + " altered or replaced from a session.",
                catalogName, folder.resolve(catalogName + EXTENSION)));
    }
}

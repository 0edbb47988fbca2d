package io.chronicle.catalog;

import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;

/**
 * A catalog opened on first use and dropped after a failure, so the next use opens it afresh: for
 * long-running operators that must outlive an outage of the catalog or S3.
 */
public final class ReopeningCatalog implements Serializable, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ReopeningCatalog.class);
    private static final long serialVersionUID = 1L;

    private final CatalogLoader loader;
    private transient Catalog catalog;

    public ReopeningCatalog(CatalogLoader loader) {
        this.loader = loader;
    }

    public Catalog get() {
        if (catalog == null) {
            catalog = loader.loadCatalog();
        }
        return catalog;
    }

    /** Closes the catalog, if open; the next {@link #get} opens it again. */
    @Override
    public void close() {
        if (catalog instanceof Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("Closing the catalog", e);
            }
        }
        catalog = null;
    }
}

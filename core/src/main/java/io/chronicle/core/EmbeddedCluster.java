package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.SecurityOptions;

import java.util.List;

/** Settings for a Flink cluster that runs Chronicle in-process: the local stack and tests. */
public final class EmbeddedCluster {

    private EmbeddedCluster() {}

    /**
     * Iceberg's Parquet writer brings a minimal Hadoop, which would make Flink start its Hadoop
     * security module and Hadoop delegation tokens; neither is wanted, nor fully on the classpath.
     * RocksDB gets managed memory enough for its memtables: the in-process default is so small
     * that every keyed operator would flush to disk constantly. In-process, every job shares
     * Parquet's static codec cache, whose Hadoop configuration keeps the class loader of the job
     * that first compressed; later jobs and clients must be allowed to use it after that job ends.
     */
    public static Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(1024));
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.set(SecurityOptions.SECURITY_MODULE_FACTORY_CLASSES,
                List.of("org.apache.flink.runtime.security.modules.JaasModuleFactory"));
        conf.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
        return conf;
    }
}

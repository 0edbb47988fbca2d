package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.SecurityOptions;

import java.util.List;

/** Settings for a Flink cluster that runs Chronicle in-process: the local stack and tests. */
public final class EmbeddedCluster {

    private EmbeddedCluster() {}

    /**
     * Iceberg's Parquet writer brings a minimal Hadoop, which would make Flink start its Hadoop
     * security module and Hadoop delegation tokens; neither is wanted, nor fully on the classpath.
     */
    public static Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set(SecurityOptions.SECURITY_MODULE_FACTORY_CLASSES,
                List.of("org.apache.flink.runtime.security.modules.JaasModuleFactory"));
        conf.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
        return conf;
    }
}

package io.flinkdistill.pipeline.cli;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;

/**
 * {@code --flink-conf KEY=VALUE}: any Flink setting, checked at start-up like every other option. A
 * key Flink declares is parsed with its declared type, so {@code
 * execution.checkpointing.interval=often} fails before the job starts, naming the option; a key
 * Flink does not declare fails too (a typo would otherwise be ignored in silence), except under the
 * prefixes that plugins own (metrics reporters, file systems, RocksDB), which are passed on as they
 * are.
 */
final class FlinkConf {
    /** Option holders of flink-core whose keys a job may set. */
    private static final List<String> HOLDERS =
            List.of(
                    "CheckpointingOptions",
                    "StateBackendOptions",
                    "StateRecoveryOptions",
                    "StateChangelogOptions",
                    "RestartStrategyOptions",
                    "RestOptions",
                    "WebOptions",
                    "CoreOptions",
                    "PipelineOptions",
                    "ExecutionOptions",
                    "TaskManagerOptions",
                    "JobManagerOptions",
                    "MetricOptions",
                    "NettyShuffleEnvironmentOptions",
                    "HighAvailabilityOptions",
                    "SecurityOptions",
                    "ClusterOptions",
                    "DeploymentOptions",
                    "BlobServerOptions",
                    "HeartbeatManagerOptions",
                    "RpcOptions",
                    "JMXServerOptions",
                    "ResourceManagerOptions",
                    "BatchExecutionOptions",
                    "TraceOptions",
                    "EventOptions",
                    "SlowTaskDetectorOptions",
                    "AlgorithmOptions",
                    "CleanupOptions",
                    "ExternalResourceOptions",
                    "HistoryServerOptions",
                    "StateLatencyTrackOptions");

    /** Key families that belong to plugins and connectors, not to flink-core. */
    private static final List<String> PLUGIN_PREFIXES =
            List.of(
                    "metrics.reporter.",
                    "state.backend.rocksdb.",
                    "state.backend.forst.",
                    "s3.",
                    "fs.",
                    "gs.",
                    "azure.",
                    "oss.",
                    "presto.",
                    "hadoop.",
                    "kubernetes.",
                    "env.");

    private static final Map<String, ConfigOption<?>> KNOWN = known();

    private FlinkConf() {}

    /** The entries as a Flink configuration; a malformed entry fails naming the option. */
    static Configuration parse(Map<String, String> entries) {
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String key = e.getKey() == null ? "" : e.getKey().trim();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            if (key.isEmpty()) {
                throw new JobOptions.OptionException(
                        "--flink-conf", "expects KEY=VALUE, got '=" + value + "'");
            }
            ConfigOption<?> option = KNOWN.get(key);
            if (option == null) {
                if (PLUGIN_PREFIXES.stream().noneMatch(key::startsWith)) {
                    throw new JobOptions.OptionException(
                            "--flink-conf",
                            "'"
                                    + key
                                    + "' is not a Flink option (see https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/; plugin keys under "
                                    + String.join(", ", PLUGIN_PREFIXES)
                                    + " pass as they are)");
                }
                conf.setString(key, value);
                continue;
            }
            conf.setString(key, value);
            try {
                conf.get(option);
            } catch (RuntimeException bad) {
                throw new JobOptions.OptionException(
                        "--flink-conf", key + "=" + value + ": " + bad.getMessage());
            }
        }
        return conf;
    }

    private static Map<String, ConfigOption<?>> known() {
        Map<String, ConfigOption<?>> options = new HashMap<>();
        for (String holder : HOLDERS) {
            Class<?> type;
            try {
                type = Class.forName("org.apache.flink.configuration." + holder);
            } catch (ClassNotFoundException | LinkageError absent) {
                continue;
            }
            for (Field f : type.getFields()) {
                if (!Modifier.isStatic(f.getModifiers())
                        || !ConfigOption.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                try {
                    ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                    options.put(o.key(), o);
                    for (FallbackKey k : o.fallbackKeys()) {
                        options.putIfAbsent(k.getKey(), o);
                    }
                } catch (IllegalAccessException | RuntimeException skip) {
                    // Not readable: not a key a user sets.
                }
            }
        }
        return options;
    }
}

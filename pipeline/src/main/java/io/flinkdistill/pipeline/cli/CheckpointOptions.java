package io.flinkdistill.pipeline.cli;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;
import picocli.CommandLine.Option;

/**
 * Where a long-running job keeps its checkpoints and how it resumes: durable checkpoint storage on
 * every path (an in-memory JobManager store cannot hold the trainer's tens of MB, so every
 * checkpoint would fail and the job restart forever), retained checkpoints, restore from the newest
 * of them or from a given savepoint, any further Flink setting, and how many failures of one kind
 * in a row end the command. Checked at start-up; every error names its option.
 */
public final class CheckpointOptions {
    /** Checkpoints kept per job: the newest is restored, older ones are a fallback. */
    static final int RETAINED = 3;

    @Option(
            names = "--checkpoint-dir",
            description =
                    "Durable checkpoint storage, any Flink file system URI (file:///..., s3://...). Default on a local run: ./checkpoints/<student>, and a new start resumes from the newest checkpoint there; on a cluster: the cluster's execution.checkpointing.dir.")
    String checkpointDir;

    @Option(
            names = "--savepoint",
            description =
                    "Start from this savepoint or retained checkpoint (a folder with _metadata) instead of the newest one under --checkpoint-dir.")
    String savepoint;

    @Option(
            names = "--fresh",
            description =
                    "Train a new student even when --checkpoint-dir holds a checkpoint of an earlier run.")
    boolean fresh;

    @Option(
            names = "--flink-conf",
            description =
                    "Any Flink setting KEY=VALUE (e.g. state.backend.type=rocksdb, restart-strategy.type=fixed-delay); repeatable; checked at start-up.")
    Map<String, String> flinkConf = new LinkedHashMap<>();

    @Option(
            names = "--max-consecutive-failures",
            defaultValue = "5",
            description =
                    "Stop with an error after this many failed checkpoints in a row, or this many restarts in a row with the same cause (default: ${DEFAULT-VALUE}).")
    int maxConsecutiveFailures;

    /** The resolved settings: Flink configuration, what to print, where to restore from. */
    record Resolved(Configuration conf, String checkpointDir, Optional<String> restoreFrom) {}

    /**
     * Validates every option and builds the job's configuration.
     *
     * @param student names the default checkpoint folder, so two students never restore each other
     * @param local whether the job runs on a MiniCluster in this process
     * @param cluster the configuration the job is submitted with (a cluster's own settings)
     */
    Resolved resolve(String student, boolean local, ReadableConfig cluster) {
        if (maxConsecutiveFailures < 1) {
            throw new JobOptions.OptionException(
                    "--max-consecutive-failures", "must be >= 1, got " + maxConsecutiveFailures);
        }
        if (fresh && savepoint != null) {
            throw new JobOptions.OptionException(
                    "--fresh", "contradicts --savepoint " + savepoint + "; give one of them");
        }
        Configuration conf = FlinkConf.parse(flinkConf);
        if (checkpointDir != null && conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            throw new JobOptions.OptionException(
                    "--checkpoint-dir",
                    "given twice (also as --flink-conf "
                            + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                            + "); give one");
        }
        if (conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            throw new JobOptions.OptionException(
                    "--flink-conf",
                    CheckpointingOptions.CHECKPOINTING_INTERVAL.key()
                            + " is set with --checkpoint-interval-ms");
        }
        String dir = checkpointDir;
        if (dir == null) {
            dir = conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).orElse(null);
        }
        if (dir == null && !local) {
            dir = cluster.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).orElse(null);
            if (dir == null) {
                throw new JobOptions.OptionException(
                        "--checkpoint-dir",
                        "the cluster sets no "
                                + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                                + ": give a file system every TaskManager can reach (s3://..., hdfs://..., a shared file:///...)");
            }
        }
        if (dir == null) {
            dir = java.nio.file.Path.of("checkpoints", student).toAbsolutePath().toUri().toString();
        }
        String checkpoints = writable("--checkpoint-dir", dir);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
        conf.setString(CheckpointingOptions.CHECKPOINT_STORAGE.key(), "filesystem");
        // The trainer's state is one value of tens of MB rewritten every step: the heap backend
        // with full checkpoints suits it; RocksDB stays a --flink-conf away.
        if (!conf.contains(StateBackendOptions.STATE_BACKEND)) {
            conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        }
        if (!conf.contains(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION)) {
            conf.set(
                    CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                    ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        if (!conf.contains(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)) {
            conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED);
        }
        // A transient storage error should not restart the job; a lasting one is stopped by the
        // watcher after as many failures.
        if (!conf.contains(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)) {
            conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, maxConsecutiveFailures);
        }
        if (!conf.contains(CheckpointingOptions.SAVEPOINT_DIRECTORY)) {
            conf.set(
                    CheckpointingOptions.SAVEPOINT_DIRECTORY,
                    new Path(new Path(checkpoints), "savepoints").toUri().toString());
        }
        // A local run resumes by itself; a cluster job resumes as the cluster's tools say
        // (flink run -s, the REST savepointPath, Kubernetes upgrades) or from --savepoint.
        if (!local && cluster.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent()) {
            if (savepoint != null) {
                throw new JobOptions.OptionException(
                        "--savepoint", "the submission already restores from a savepoint");
            }
            return new Resolved(
                    conf, checkpoints, cluster.getOptional(StateRecoveryOptions.SAVEPOINT_PATH));
        }
        Optional<String> restore = restorePoint(checkpoints, conf, local);
        restore.ifPresent(
                path -> {
                    conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path);
                    // Our own retained checkpoints are ours to clean up once subsumed; a savepoint
                    // the user names stays theirs.
                    if (savepoint == null && !conf.contains(StateRecoveryOptions.RESTORE_MODE)) {
                        conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
                    }
                });
        return new Resolved(conf, checkpoints, restore);
    }

    private Optional<String> restorePoint(String checkpoints, Configuration conf, boolean local) {
        if (savepoint != null) {
            String path = uri("--savepoint", savepoint);
            try {
                Path p = new Path(path);
                if (!p.getFileSystem().exists(p)) {
                    throw new JobOptions.OptionException("--savepoint", path + " does not exist");
                }
            } catch (IOException e) {
                throw new JobOptions.OptionException(
                        "--savepoint", "cannot read " + path + ": " + e);
            }
            return Optional.of(path);
        }
        if (conf.contains(StateRecoveryOptions.SAVEPOINT_PATH)) {
            return Optional.of(conf.get(StateRecoveryOptions.SAVEPOINT_PATH));
        }
        if (fresh || !local) {
            return Optional.empty();
        }
        try {
            return RetainedCheckpoints.newest(checkpoints).map(RetainedCheckpoints.Found::path);
        } catch (IOException e) {
            throw new JobOptions.OptionException(
                    "--checkpoint-dir", "cannot list " + checkpoints + ": " + e);
        }
    }

    /** The URI of {@code dir}, created and proven writable by writing and deleting a probe file. */
    private static String writable(String option, String dir) {
        String uri = uri(option, dir);
        Path path = new Path(uri);
        try {
            StorageProbe.write(path);
        } catch (UnsupportedFileSystemSchemeException e) {
            throw new JobOptions.OptionException(
                    option,
                    "no Flink file system for scheme '"
                            + path.toUri().getScheme()
                            + "' (is its plugin installed?): "
                            + uri);
        } catch (IOException e) {
            throw new JobOptions.OptionException(
                    option,
                    "cannot write checkpoints to "
                            + uri
                            + ": "
                            + e
                            + "; give a writable folder or file system");
        }
        return uri;
    }

    /** A path or URI as an absolute URI (a bare path is a local file). */
    private static String uri(String option, String value) {
        try {
            URI u = new Path(value).toUri();
            if (u.getScheme() == null) {
                return java.nio.file.Path.of(value).toAbsolutePath().toUri().toString();
            }
            return u.toString();
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException(option, "is not a valid URI: '" + value + "'");
        }
    }

    /** Start-up lines: where checkpoints go and where the job starts from. */
    List<String> describe(Resolved r, long intervalMs) {
        List<String> lines = new ArrayList<>();
        lines.add(
                "Checkpoints: "
                        + r.checkpointDir()
                        + " (every "
                        + intervalMs / 1000.0
                        + " s, "
                        + r.conf().get(StateBackendOptions.STATE_BACKEND)
                        + " state backend, newest "
                        + r.conf().get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)
                        + " retained; stop after "
                        + maxConsecutiveFailures
                        + " failures in a row)");
        lines.add(
                r.restoreFrom()
                        .map(p -> "Resuming from " + p + " (--fresh starts a new student)")
                        .orElse(
                                fresh
                                        ? "Starting a new student (--fresh)"
                                        : "Starting a new student: no checkpoint under "
                                                + r.checkpointDir()));
        return lines;
    }
}

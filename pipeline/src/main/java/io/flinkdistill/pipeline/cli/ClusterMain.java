package io.flinkdistill.pipeline.cli;

/**
 * Entry point of the job jar on a Flink cluster ({@code flink run}, REST {@code /jars/run}): the
 * same commands as {@link DistillCli}, but a failure is thrown rather than ending the JVM, since on
 * a cluster {@code main} may run inside the JobManager.
 */
public final class ClusterMain {
    private ClusterMain() {}

    public static void main(String[] args) {
        int code = DistillCli.execute(args);
        if (code != 0) {
            throw new IllegalStateException(
                    "distill " + String.join(" ", args) + " failed with exit code " + code);
        }
    }
}

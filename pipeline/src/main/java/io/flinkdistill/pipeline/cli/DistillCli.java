package io.flinkdistill.pipeline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code distill} command line. */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        version = "flink-distill 0.1.0",
        description = "Continuous knowledge distillation from live Kafka data on Apache Flink.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ProduceCommand.class,
            FitHeadCommand.class,
            PredictCommand.class,
            ServeCommand.class,
            KafkaCommand.class,
            SoakCommand.class,
            MonitorCommand.class,
            ReportCommand.class,
            BenchCommand.class
        })
public final class DistillCli {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new DistillCli());
        Choices.register(cli);
        cli.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    if (e instanceof IllegalArgumentException
                            || e instanceof IllegalStateException
                            || e instanceof java.io.IOException) {
                        cmd.getErr()
                                .println("distill " + cmd.getCommandName() + ": " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
        return cli.execute(args);
    }
}

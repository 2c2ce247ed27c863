package io.flinkdistill.pipeline.cli;

import picocli.CommandLine.Command;

/** {@code distill bench}: the project's benchmarks. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks; each compares against a baseline measured in the same run.",
        subcommands = {
            TrainerBench.class,
            TeacherBench.class,
            ServeBench.class,
            CascadeBench.class,
            QualityBench.class,
            BudgetBench.class,
            PipelineBench.class
        })
public final class BenchCommand {}

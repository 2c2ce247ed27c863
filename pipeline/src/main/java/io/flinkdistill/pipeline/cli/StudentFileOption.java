package io.flinkdistill.pipeline.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The trained student a benchmark reads ({@code --student}), as {@code distill demo} writes it. */
public final class StudentFileOption {
    @Option(
            names = "--student",
            defaultValue = "demo-out/student/student.student",
            description = "Trained student, e.g. from 'distill demo' (default: ${DEFAULT-VALUE}).")
    Path path;
}

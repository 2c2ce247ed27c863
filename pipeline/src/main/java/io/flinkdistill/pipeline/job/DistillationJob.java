package io.flinkdistill.pipeline.job;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.reweight.LossReweighter;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.teacher.TeacherInput;
import io.flinkdistill.teacher.TeacherOperator;
import io.flinkdistill.training.StudentTrainerOperator;
import io.flinkdistill.training.StudentVersion;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The distillation graph: validate and split → (within a teacher budget) select → (optionally)
 * augment → teacher (parallel, micro-batched ONNX inference) → student trainer (keyed by student
 * name, checkpointed) with evaluation metrics as a side output. Built from a stream of decoded
 * records that the caller provides, so tests and {@code main} wire their own sources and sinks.
 */
public final class DistillationJob {
    private DistillationJob() {}

    /**
     * A stream of control commands that never carries one (a job without a control topic). Flink's
     * collection source cannot be empty, so it holds one placeholder that a filter drops.
     */
    public static DataStream<ControlCommand> noCommands(
            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env) {
        ControlCommand placeholder =
                ControlCommand.newBuilder()
                        .setId("none")
                        .setIssuer("flink-distill")
                        .setType(io.flinkdistill.schemas.ControlType.RESUME)
                        .setStudent(null)
                        .setTimestamp(java.time.Instant.EPOCH)
                        .build();
        return env.fromData(List.of(placeholder), TypeInformation.of(ControlCommand.class))
                .name("no-control")
                .uid("no-control")
                .filter(new DropAll())
                .name("no-control-filter")
                .uid("no-control-filter");
    }

    /** Drops every command. */
    private static final class DropAll implements FilterFunction<ControlCommand> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean filter(ControlCommand c) {
            return false;
        }
    }

    /** The streams a caller connects to sinks. */
    public record Outputs(
            DataStream<DistillMetrics> metrics,
            DataStream<DeadLetter> deadLetters,
            DataStream<StudentVersion> studentVersions,
            DataStream<StudentModelPublished> models,
            DataStream<ControlCommand> decisions) {}

    /** The graph without a control topic (tests, tools). */
    public static Outputs build(DataStream<DecodedSample> records, JobSettings settings) {
        return build(records, null, settings);
    }

    /**
     * @param controls raw records of the control topic, or null when the job takes no commands
     */
    public static Outputs build(
            DataStream<DecodedSample> records,
            DataStream<RawRecord> controls,
            JobSettings settings) {
        return build(records, controls, null, settings);
    }

    /**
     * @param controls raw records of the control topic, or null when the job takes no commands
     * @param trainerControls a second reading of the control topic for the trainer alone, or null
     *     to share {@code controls}: a bounded job that steers itself needs the trainer's reading
     *     open after the samples end, while the teacher's must end so that the end of the samples
     *     reaches the trainer (an operator finishes only when all its inputs have)
     */
    public static Outputs build(
            DataStream<DecodedSample> records,
            DataStream<RawRecord> controls,
            DataStream<RawRecord> trainerControls,
            JobSettings settings) {
        SingleOutputStreamOperator<TeacherInput> valid =
                records.process(
                                new ValidateAndSplit(
                                        new EvalSplit(settings.evalFraction()),
                                        settings.maxChars(),
                                        settings.deadLetterLongText(),
                                        settings.teacher().classes()))
                        .name("validate-and-split")
                        .uid("validate-and-split");
        DataStream<TeacherInput> toTeacher = valid;
        DataStream<DeadLetter> deadLetters = valid.getSideOutput(ValidateAndSplit.DEAD_LETTERS);
        if (settings.dedupWindowMillis() > 0) {
            SingleOutputStreamOperator<TeacherInput> unique =
                    valid.keyBy(in -> in.id, Types.STRING)
                            .process(
                                    new DeduplicateById(
                                            Duration.ofMillis(settings.dedupWindowMillis())))
                            .name("deduplicate-by-id")
                            .uid("deduplicate-by-id");
            toTeacher = unique;
            deadLetters = deadLetters.union(unique.getSideOutput(ValidateAndSplit.DEAD_LETTERS));
        }
        if (settings.routing().active()) {
            toTeacher =
                    toTeacher
                            .map(
                                    new RouteToStudent(
                                            settings.routing(), settings.teacher().studentName()))
                            .name("route-to-student")
                            .uid("route-to-student");
        }
        if (settings.selection().active()) {
            toTeacher =
                    toTeacher
                            .process(
                                    new SelectForTeacher(
                                            settings.selection(), settings.teacher().studentName()))
                            .name("select-for-teacher")
                            .uid("select-for-teacher");
        }
        if (settings.augmentation().active()) {
            toTeacher =
                    toTeacher
                            .process(new AugmentForTeacher(settings.augmentation()))
                            .name("augment-for-teacher")
                            .uid("augment-for-teacher");
        }
        DataStream<ControlCommand> commands;
        if (controls != null) {
            SingleOutputStreamOperator<ControlCommand> validCommands =
                    controls.process(new ValidateControl(settings.teacher().names()))
                            .name("validate-control")
                            .uid("validate-control");
            commands = validCommands;
            deadLetters =
                    deadLetters.union(validCommands.getSideOutput(ValidateAndSplit.DEAD_LETTERS));
        } else {
            commands = noCommands(records.getExecutionEnvironment());
        }
        DataStream<ControlCommand> trainerCommands = commands;
        if (trainerControls != null) {
            // Invalid commands are dead-lettered once, by the shared reading above.
            trainerCommands =
                    trainerControls
                            .process(new ValidateControl(settings.teacher().names()))
                            .name("validate-trainer-control")
                            .uid("validate-trainer-control");
        }
        DataStream<ScoredSample> scored =
                toTeacher
                        .connect(commands.broadcast())
                        .transform(
                                "teacher",
                                TypeInformation.of(ScoredSample.class),
                                new TeacherOperator(settings.teacher()))
                        .uid("teacher")
                        .setParallelism(settings.teacherParallelism());
        int trainers = settings.routing().trainerParallelism();
        SingleOutputStreamOperator<StudentVersion> trainer =
                scored.keyBy(s -> s.student, Types.STRING)
                        // One trainer subtask takes every command through a global edge; unlike a
                        // broadcast edge, that one takes unaligned checkpoint barriers, so a
                        // backlog of samples does not hold commands. Several need them all.
                        .connect(
                                trainers == 1
                                        ? trainerCommands.global()
                                        : trainerCommands.broadcast())
                        .transform(
                                "student-trainer",
                                TypeInformation.of(StudentVersion.class),
                                new StudentTrainerOperator(
                                        settings.trainer(),
                                        settings.exportDir(),
                                        settings.publish(),
                                        settings.steering().benchmarks(),
                                        settings.steering().metricsEverySeconds() * 1000L))
                        .uid("student-trainer")
                        // Students spread over subtasks by key group; each trainer drives
                        // autograd on its own thread, so several can train in one JVM.
                        .setParallelism(trainers);
        DataStream<DistillMetrics> metrics =
                trainer.getSideOutput(StudentTrainerOperator.METRICS)
                        .connect(deadLetters.global())
                        .transform(
                                "count-dead-letters",
                                TypeInformation.of(DistillMetrics.class),
                                new CountDeadLetters())
                        .uid("count-dead-letters")
                        .setParallelism(1);
        LossWeights w = settings.trainer().lossWeights();
        DataStream<ControlCommand> decisions =
                metrics.keyBy(m -> m.getStudent(), Types.STRING)
                        .process(
                                new LossReweighter(
                                        settings.steering().policy(),
                                        new double[] {w.soft(), w.feature(), w.attention()},
                                        settings.steering().drift(),
                                        settings.steering().inputDrift()))
                        .name("evaluator-steering")
                        .uid("evaluator-steering")
                        .setParallelism(1);
        return new Outputs(
                metrics,
                deadLetters,
                trainer,
                trainer.getSideOutput(StudentTrainerOperator.MODELS),
                decisions);
    }
}

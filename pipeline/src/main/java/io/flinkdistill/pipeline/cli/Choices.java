package io.flinkdistill.pipeline.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * The enum-valued options. On the command line each value is its constant's name in lower case with
 * hyphens ({@code EVAL_GUIDED} is {@code eval-guided}); {@link #register} makes picocli convert
 * them at parse time and reject a wrong one, naming the option and the allowed values.
 */
final class Choices {
    private Choices() {}

    /** An option value spelled as its constant's name in lower case with hyphens. */
    interface Labelled {
        default String label() {
            return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** How several teachers' outputs are weighted ({@code --fusion}). */
    enum Fusion implements Labelled {
        LEARNED,
        FIXED
    }

    /** How the evaluator re-weights the losses ({@code --loss-policy}). */
    enum LossPolicy implements Labelled {
        FIXED,
        DWA,
        EVAL_GUIDED
    }

    /** How the student's token embeddings start ({@code --student-embedding-init}). */
    enum EmbeddingInit implements Labelled {
        TEACHER,
        TEACHER_OUTPUT,
        RANDOM
    }

    /** How the student mixes tokens ({@code --student-family}). */
    enum StudentFamily implements Labelled {
        TRANSFORMER(io.flinkdistill.student.StudentConfig.Family.TRANSFORMER),
        CNN(io.flinkdistill.student.StudentConfig.Family.CNN),
        BERT(io.flinkdistill.student.StudentConfig.Family.BERT);

        final io.flinkdistill.student.StudentConfig.Family family;

        StudentFamily(io.flinkdistill.student.StudentConfig.Family family) {
            this.family = family;
        }
    }

    /** How the soft term compares logits ({@code --soft-loss}). */
    enum SoftLoss implements Labelled {
        KL(io.flinkdistill.loss.SoftLoss.KL),
        MSE(io.flinkdistill.loss.SoftLoss.MSE);

        final io.flinkdistill.loss.SoftLoss loss;

        SoftLoss(io.flinkdistill.loss.SoftLoss loss) {
            this.loss = loss;
        }
    }

    /** The training schedule ({@code --schedule}). */
    enum Schedule implements Labelled {
        COSINE,
        PROGRESSIVE
    }

    /** Which published file {@code distill serve} loads ({@code --format}). */
    enum ServeFormat implements Labelled {
        ONNX_INT8,
        ONNX_FP32
    }

    /** What the demo streams ({@code --scenario}). */
    enum Scenario implements Labelled {
        DEFAULT,
        DRIFT
    }

    /** Which unlabelled samples get the teacher within a budget ({@code --selection}). */
    enum Selection implements Labelled {
        RANDOM(io.flinkdistill.selection.SelectionPolicy.RANDOM),
        UNCERTAINTY(io.flinkdistill.selection.SelectionPolicy.UNCERTAINTY),
        MIX(io.flinkdistill.selection.SelectionPolicy.MIX);

        final io.flinkdistill.selection.SelectionPolicy policy;

        Selection(io.flinkdistill.selection.SelectionPolicy policy) {
            this.policy = policy;
        }
    }

    /** What happens to a text over {@code --max-chars} ({@code --long-text}). */
    enum LongText implements Labelled {
        TRUNCATE,
        DEAD_LETTER
    }

    /** Which teacher heads make the attention target ({@code --attention-heads}). */
    enum AttentionHeads implements Labelled {
        ALL(io.flinkdistill.teacher.TeacherSettings.HeadMode.ALL),
        GRAPH(io.flinkdistill.teacher.TeacherSettings.HeadMode.GRAPH),
        TOP_HIGH(io.flinkdistill.teacher.TeacherSettings.HeadMode.TOP_HIGH),
        TOP_LOW(io.flinkdistill.teacher.TeacherSettings.HeadMode.TOP_LOW);

        final io.flinkdistill.teacher.TeacherSettings.HeadMode mode;

        AttentionHeads(io.flinkdistill.teacher.TeacherSettings.HeadMode mode) {
            this.mode = mode;
        }
    }

    /** Registers the converter of every choice above on a command line (and its subcommands). */
    static void register(CommandLine cli) {
        add(cli, Scenario.class);
        add(cli, Fusion.class);
        add(cli, LossPolicy.class);
        add(cli, EmbeddingInit.class);
        add(cli, StudentFamily.class);
        add(cli, Schedule.class);
        add(cli, SoftLoss.class);
        add(cli, ServeFormat.class);
        add(cli, Selection.class);
        add(cli, LongText.class);
        add(cli, AttentionHeads.class);
    }

    private static <E extends Enum<E> & Labelled> void add(CommandLine cli, Class<E> type) {
        cli.registerConverter(type, value -> of(type, value));
    }

    /** The constant of {@code type} spelled {@code value}, or a conversion error listing all. */
    static <E extends Enum<E> & Labelled> E of(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.label().equals(value)) {
                return e;
            }
        }
        throw new CommandLine.TypeConversionException(
                "'"
                        + value
                        + "'; allowed: "
                        + Arrays.stream(type.getEnumConstants())
                                .map(Labelled::label)
                                .collect(Collectors.joining(", ")));
    }
}

package io.flinkdistill.pipeline.job;

import io.flinkdistill.augment.TextAugmenter;
import io.flinkdistill.publish.PublishSettings;
import io.flinkdistill.teacher.TeacherSettings;
import io.flinkdistill.training.TrainerSettings;
import java.io.Serializable;

/**
 * The validated settings of one distillation job graph (independent of where its data comes from
 * and goes to).
 *
 * @param evalFraction share of samples (by id hash) held out for evaluation
 * @param maxChars longer texts are truncated before tokenization
 * @param deadLetterLongText send longer texts to the dead-letter topic instead of truncating them
 * @param teacherParallelism parallel teacher subtasks
 * @param dedupWindowMillis a sample whose id was seen this recently is a duplicate (0: no check)
 * @param exportDir where the trainer writes the final student at end of input
 * @param publish where and when student versions are published as ONNX
 * @param steering loss reweighting policy, drift margin and benchmark set; null: {@link
 *     Steering#defaults()}
 * @param selection the teacher budget and which samples get the teacher; null: {@link
 *     TeacherSelection#off()}
 * @param augmentation variants of each training sample the teacher scores; null: {@link
 *     TextAugmenter#off()}
 * @param routing which student each sample trains and the trainer's parallelism; null: {@link
 *     StudentRouting#none()}
 */
public record JobSettings(
        TeacherSettings teacher,
        TrainerSettings trainer,
        double evalFraction,
        int maxChars,
        boolean deadLetterLongText,
        int teacherParallelism,
        long dedupWindowMillis,
        String exportDir,
        PublishSettings publish,
        Steering steering,
        TeacherSelection selection,
        TextAugmenter augmentation,
        StudentRouting routing)
        implements Serializable {

    public JobSettings {
        publish = publish == null ? PublishSettings.off() : publish;
        steering = steering == null ? Steering.defaults() : steering;
        selection = selection == null ? TeacherSelection.off() : selection;
        augmentation = augmentation == null ? TextAugmenter.off() : augmentation;
        routing = routing == null ? StudentRouting.none() : routing;
        new EvalSplit(evalFraction);
        if (dedupWindowMillis < 0) {
            throw new IllegalArgumentException(
                    "dedup-window-ms must be >= 0, got " + dedupWindowMillis);
        }
        if (maxChars < 1 || teacherParallelism < 1) {
            throw new IllegalArgumentException(
                    "max-chars and teacher-parallelism must be >= 1, got "
                            + maxChars
                            + " and "
                            + teacherParallelism);
        }
    }

    /** The same settings with another teacher selection (once the broker's address is known). */
    public JobSettings withSelection(TeacherSelection s) {
        return toBuilder().optSelection(s).build();
    }

    /**
     * Settings for a teacher and a trainer, every other value at its default (eval fraction 0.05,
     * 4000 characters truncated, teacher parallelism 1, a 10-minute dedup window, final students
     * under {@code students}, no publishing, default steering, no budget, no augmentation, one
     * student), to be changed with the builder's {@code optX} methods.
     */
    public static Builder builder(TeacherSettings teacher, TrainerSettings trainer) {
        return new Builder(teacher, trainer);
    }

    /** A builder holding these settings, to derive others from them. */
    public Builder toBuilder() {
        return new Builder(teacher, trainer)
                .optEvalFraction(evalFraction)
                .optMaxChars(maxChars)
                .optDeadLetterLongText(deadLetterLongText)
                .optTeacherParallelism(teacherParallelism)
                .optDedupWindowMillis(dedupWindowMillis)
                .optExportDir(exportDir)
                .optPublish(publish)
                .optSteering(steering)
                .optSelection(selection)
                .optAugmentation(augmentation)
                .optRouting(routing);
    }

    /** Builds {@link JobSettings}; the record's constructor validates. */
    public static final class Builder {
        private final TeacherSettings teacher;
        private final TrainerSettings trainer;
        private double evalFraction = 0.05;
        private int maxChars = 4000;
        private boolean deadLetterLongText;
        private int teacherParallelism = 1;
        private long dedupWindowMillis = 600_000;
        private String exportDir = "students";
        private PublishSettings publish;
        private Steering steering;
        private TeacherSelection selection;
        private TextAugmenter augmentation;
        private StudentRouting routing;

        private Builder(TeacherSettings teacher, TrainerSettings trainer) {
            this.teacher = teacher;
            this.trainer = trainer;
        }

        public Builder optEvalFraction(double evalFraction) {
            this.evalFraction = evalFraction;
            return this;
        }

        public Builder optMaxChars(int maxChars) {
            this.maxChars = maxChars;
            return this;
        }

        public Builder optDeadLetterLongText(boolean deadLetterLongText) {
            this.deadLetterLongText = deadLetterLongText;
            return this;
        }

        public Builder optTeacherParallelism(int teacherParallelism) {
            this.teacherParallelism = teacherParallelism;
            return this;
        }

        public Builder optDedupWindowMillis(long dedupWindowMillis) {
            this.dedupWindowMillis = dedupWindowMillis;
            return this;
        }

        public Builder optExportDir(String exportDir) {
            this.exportDir = exportDir;
            return this;
        }

        public Builder optPublish(PublishSettings publish) {
            this.publish = publish;
            return this;
        }

        public Builder optSteering(Steering steering) {
            this.steering = steering;
            return this;
        }

        public Builder optSelection(TeacherSelection selection) {
            this.selection = selection;
            return this;
        }

        public Builder optAugmentation(TextAugmenter augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        public Builder optRouting(StudentRouting routing) {
            this.routing = routing;
            return this;
        }

        public JobSettings build() {
            return new JobSettings(
                    teacher,
                    withServingRecord(trainer, teacher),
                    evalFraction,
                    maxChars,
                    deadLetterLongText,
                    teacherParallelism,
                    dedupWindowMillis,
                    exportDir,
                    publish,
                    steering,
                    selection,
                    augmentation,
                    routing);
        }
    }

    /**
     * The trainer's settings with what a server of its students needs recorded in their provenance:
     * the primary teacher's tokenizer and text prefix and the class names, taken from the teacher
     * settings the job runs. Every job, started from options or built in code, gets them here and
     * only here.
     */
    private static TrainerSettings withServingRecord(TrainerSettings t, TeacherSettings teacher) {
        io.flinkdistill.teacher.TeacherSpec primary = teacher.teachers().get(0);
        java.util.Map<String, TrainerSettings> students = new java.util.LinkedHashMap<>();
        t.students().forEach((name, s) -> students.put(name, withServingRecord(s, teacher)));
        return t.toBuilder()
                .optProvenance(
                        t.provenance().toBuilder()
                                .tokenizerOf(primary.tokenizer(), primary.prefix())
                                .classes(teacher.classes())
                                .build())
                .optStudents(students)
                .build();
    }
}

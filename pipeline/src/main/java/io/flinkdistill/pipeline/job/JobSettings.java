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
        return new JobSettings(
                teacher,
                trainer,
                evalFraction,
                maxChars,
                deadLetterLongText,
                teacherParallelism,
                dedupWindowMillis,
                exportDir,
                publish,
                steering,
                s,
                augmentation,
                routing);
    }
}

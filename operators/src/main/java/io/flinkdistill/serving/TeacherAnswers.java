package io.flinkdistill.serving;

import io.flinkdistill.loss.Logits;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherOutput;
import java.util.List;

/**
 * The job's teacher (its spec and head) as a {@link Cascade} calls it. Does not own the teacher.
 */
public final class TeacherAnswers implements Cascade.Teacher {
    private final OnnxTeacher teacher;
    private final List<String> classes;

    public TeacherAnswers(OnnxTeacher teacher, List<String> classes) {
        this.teacher = teacher;
        this.classes = List.copyOf(classes);
    }

    @Override
    public float[][] probabilities(List<String> texts) {
        List<TeacherOutput> out = teacher.infer(texts);
        float[][] probs = new float[out.size()][];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = Logits.softmax(out.get(i).logits());
        }
        return probs;
    }

    @Override
    public List<String> classes() {
        return classes;
    }
}

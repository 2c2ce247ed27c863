package io.flinkdistill.teacher;

import io.flinkdistill.loss.Logits;

/**
 * What the teacher knows about one input: the token ids it saw (shared with the student, which uses
 * the same tokenizer), its pooled embedding, and its class logits when a head is loaded.
 */
public record TeacherOutput(int[] tokenIds, float[] embedding, float[] logits) {

    public int predictedClass() {
        return Logits.argmax(logits);
    }
}

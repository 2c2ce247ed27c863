package io.flinkdistill.teacher;

import io.flinkdistill.loss.Logits;

/**
 * What the teacher knows about one input: the token ids it saw (shared with the student, which uses
 * the same tokenizer), its pooled embedding, its class logits when a head is loaded and, when asked
 * for, its head-averaged attention maps: one n x n map per mapped layer (n = number of tokens),
 * concatenated row-major (empty otherwise).
 */
public record TeacherOutput(int[] tokenIds, float[] embedding, float[] logits, float[] attention) {

    public int predictedClass() {
        return Logits.argmax(logits);
    }
}

package io.flinkdistill.teacher;

/**
 * What the teacher knows about one input: the token ids it saw (shared with the student, which uses
 * the same tokenizer), its pooled embedding, and its class logits when a head is loaded.
 */
public record TeacherOutput(int[] tokenIds, float[] embedding, float[] logits) {

    public int predictedClass() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}

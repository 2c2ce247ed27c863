package io.flinkdistill.training;

import io.flinkdistill.student.PrincipalComponents;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.EncoderWeights;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A {@link StudentConfig.Family#BERT} student's starting weights taken from a pre-trained
 * BERT-family encoder's ONNX file: its first {@code layers} layers as they are, its position
 * embeddings (the first {@code maxTokens} rows, with token type 0 added), its embedding LayerNorm,
 * and its token-embedding table factorised on its top {@code embedDim} principal components (the
 * student's {@code embed.tokens} are each token's coordinates, {@code embed.proj} the components,
 * and the table's mean goes into the positions, so {@code tokens · proj + pos} is the encoder's
 * embedding sum up to the rank cut). A student with a narrower feed-forward block than the encoder
 * keeps the encoder's most important units (largest product of incoming and outgoing weight norms),
 * in their order. The heads and the feature projection start from the student's own initialisation.
 */
public final class PretrainedStudent {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(PretrainedStudent.class);

    private PretrainedStudent() {}

    /**
     * Refuses, naming what does not fit, a student that cannot start from {@code model}: not of the
     * bert family, another hidden size or head count, more layers, a wider feed-forward block, a
     * wider embedding than the encoder's, or more tokens than it has positions. The vocabulary is
     * checked by {@link #requireVocabularyFits} (it is the teacher's, known once that is open).
     */
    public static void requireShapeFits(StudentConfig c, EncoderWeights e, String model)
            throws IOException {
        if (!c.postNorm()) {
            throw new IllegalArgumentException(
                    "Only a bert-family student can start from pre-trained layers, not "
                            + c.family().label());
        }
        int hidden = Math.toIntExact(e.shape(e.find("word_embeddings", 2))[1]);
        require(c.hidden() == hidden, "hidden size", c.hidden(), model, hidden);
        java.util.OptionalInt heads = e.attentionHeads();
        if (heads.isPresent()) {
            require(
                    c.heads() == heads.getAsInt(),
                    "head count",
                    c.heads(),
                    model,
                    heads.getAsInt());
        }
        require(c.embedDim() <= hidden, "embedding width", c.embedDim(), model, hidden);
        int positions = Math.toIntExact(e.shape(e.find("position_embeddings", 2))[0]);
        require(c.maxTokens() <= positions, "token limit", c.maxTokens(), model, positions);
        int layers = 0;
        while (e.has("encoder.layer." + layers + ".attention.self.query.bias")) {
            layers++;
        }
        require(c.layers() <= layers, "layer count", c.layers(), model, layers);
        int ffn = Math.toIntExact(e.shape("encoder.layer.0.intermediate.dense.bias")[0]);
        require(c.ffn() <= ffn, "feed-forward width", c.ffn(), model, ffn);
    }

    /** Refuses a teacher vocabulary of another size than the encoder's. */
    public static void requireVocabularyFits(int vocabSize, EncoderWeights e, String model)
            throws IOException {
        int vocabulary = Math.toIntExact(e.shape(e.find("word_embeddings", 2))[0]);
        require(vocabSize == vocabulary, "vocabulary", vocabSize, model, vocabulary);
    }

    /** The student's parameters that come from {@code model}, by the student's names. */
    public static Map<String, float[]> weights(StudentConfig c, String model) throws IOException {
        long t0 = System.nanoTime();
        EncoderWeights e = EncoderWeights.open(model);
        requireShapeFits(c, e, model);
        requireVocabularyFits(c.vocabSize(), e, model);
        Map<String, float[]> out = new LinkedHashMap<>();
        EncoderWeights.Tensor words = e.tensor(e.find("word_embeddings", 2));
        int hidden = words.dim(1);
        PrincipalComponents.Factors f =
                PrincipalComponents.factorise(
                        words.values(), words.dim(0), hidden, c.embedDim(), c.seed());
        out.put("embed.tokens", f.coordinates());
        out.put("embed.proj", f.components());

        EncoderWeights.Tensor positions = e.tensor(e.find("position_embeddings", 2));
        float[] type0 =
                e.has("embeddings.token_type_embeddings.weight")
                        ? e.tensor("embeddings.token_type_embeddings.weight").values()
                        : new float[hidden];
        float[] pos = Arrays.copyOf(positions.values(), c.maxTokens() * hidden);
        for (int t = 0; t < c.maxTokens(); t++) {
            for (int d = 0; d < hidden; d++) {
                pos[t * hidden + d] += type0[d] + f.mean()[d];
            }
        }
        out.put("embed.pos", pos);
        out.put("embed.ln.g", e.tensor("embeddings.LayerNorm.weight").values());
        out.put("embed.ln.b", e.tensor("embeddings.LayerNorm.bias").values());

        for (int l = 0; l < c.layers(); l++) {
            String to = "layer" + l + ".";
            String node = "/encoder/layer." + l + "/";
            String from = "encoder.layer." + l + ".";
            String[][] attention = {
                {"q", "attention/self/query", "attention.self.query"},
                {"k", "attention/self/key", "attention.self.key"},
                {"v", "attention/self/value", "attention.self.value"},
                {"o", "attention/output/dense", "attention.output.dense"}
            };
            for (String[] a : attention) {
                out.put(to + "attn." + a[0] + ".w", e.matMulWeight(node + a[1]).values());
                out.put(to + "attn." + a[0] + ".b", e.tensor(from + a[2] + ".bias").values());
            }
            out.put(to + "ln1.g", e.tensor(from + "attention.output.LayerNorm.weight").values());
            out.put(to + "ln1.b", e.tensor(from + "attention.output.LayerNorm.bias").values());
            out.put(to + "ln2.g", e.tensor(from + "output.LayerNorm.weight").values());
            out.put(to + "ln2.b", e.tensor(from + "output.LayerNorm.bias").values());
            EncoderWeights.Tensor in = e.matMulWeight(node + "intermediate/dense");
            float[] inBias = e.tensor(from + "intermediate.dense.bias").values();
            float[] outW = e.matMulWeight(node + "output/dense").values();
            int ffn = in.dim(1);
            int[] keep = mostImportantUnits(in.values(), outW, hidden, ffn, c.ffn());
            out.put(to + "ffn.in.w", columns(in.values(), hidden, ffn, keep));
            out.put(to + "ffn.in.b", pick(inBias, keep));
            out.put(to + "ffn.out.w", rows(outW, hidden, keep));
            out.put(to + "ffn.out.b", e.tensor(from + "output.dense.bias").values());
        }
        LOG.info(
                "Student starts from {}'s embeddings (rank {}) and first {} layer(s) (FFN {} of"
                        + " its units) in {} s",
                model,
                c.embedDim(),
                c.layers(),
                c.ffn(),
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        return out;
    }

    /**
     * The {@code keep} feed-forward units with the largest {@code |w_in column| · |w_out row|}, in
     * their original order.
     */
    static int[] mostImportantUnits(float[] in, float[] out, int hidden, int ffn, int keep) {
        double[] importance = new double[ffn];
        for (int j = 0; j < ffn; j++) {
            double a = 0;
            double b = 0;
            for (int i = 0; i < hidden; i++) {
                a += (double) in[i * ffn + j] * in[i * ffn + j];
                b += (double) out[j * hidden + i] * out[j * hidden + i];
            }
            importance[j] = Math.sqrt(a * b);
        }
        return IntStream.range(0, ffn)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -importance[j]))
                .limit(keep)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    private static float[] columns(float[] m, int rows, int cols, int[] keep) {
        float[] out = new float[rows * keep.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < keep.length; j++) {
                out[i * keep.length + j] = m[i * cols + keep[j]];
            }
        }
        return out;
    }

    private static float[] rows(float[] m, int cols, int[] keep) {
        float[] out = new float[keep.length * cols];
        for (int j = 0; j < keep.length; j++) {
            System.arraycopy(m, keep[j] * cols, out, j * cols, cols);
        }
        return out;
    }

    private static float[] pick(float[] v, int[] keep) {
        float[] out = new float[keep.length];
        for (int j = 0; j < keep.length; j++) {
            out[j] = v[keep[j]];
        }
        return out;
    }

    private static void require(boolean ok, String what, int student, String model, int has) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "The student's "
                            + what
                            + " ("
                            + student
                            + ") does not fit "
                            + model
                            + " ("
                            + has
                            + ")");
        }
    }
}

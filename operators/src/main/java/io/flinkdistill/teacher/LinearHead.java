package io.flinkdistill.teacher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A linear classification head on pooled teacher embeddings: {@code logits = W x + b}. It names its
 * classes, so labels on the stream are matched by name, and records which encoder it was fitted on,
 * so a head is never silently paired with the wrong teacher.
 */
public final class LinearHead implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    public String encoder;
    public List<String> classes;
    public float[][] weights;
    public float[] bias;

    public LinearHead() {}

    public LinearHead(String encoder, List<String> classes, float[][] weights, float[] bias) {
        this.encoder = encoder;
        this.classes = List.copyOf(classes);
        this.weights = weights;
        this.bias = bias;
        validate();
    }

    public int numClasses() {
        return classes.size();
    }

    public int inputDim() {
        return weights[0].length;
    }

    public float[] logits(float[] x) {
        if (x.length != inputDim()) {
            throw new IllegalArgumentException(
                    "Head expects " + inputDim() + " features but got " + x.length);
        }
        float[] out = new float[numClasses()];
        for (int c = 0; c < out.length; c++) {
            double s = bias[c];
            float[] w = weights[c];
            for (int i = 0; i < w.length; i++) {
                s += w[i] * x[i];
            }
            out[c] = (float) s;
        }
        return out;
    }

    /**
     * Index of a label given as a class name, or as a class number written as text; -1 if unknown.
     */
    public int classIndex(String label) {
        int idx = classes.indexOf(label.trim());
        return idx;
    }

    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static LinearHead load(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException(
                    "Teacher head file " + file + " does not exist or is not readable");
        }
        LinearHead head = JSON.readValue(file.toFile(), LinearHead.class);
        head.validate();
        return head;
    }

    private void validate() {
        if (classes == null || classes.size() < 2) {
            throw new IllegalArgumentException("A head needs at least two classes, got " + classes);
        }
        if (weights == null || weights.length != classes.size() || bias.length != classes.size()) {
            throw new IllegalArgumentException(
                    "Head weights do not match its " + classes.size() + " classes");
        }
    }
}

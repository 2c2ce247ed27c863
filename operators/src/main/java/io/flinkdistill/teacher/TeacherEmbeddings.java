package io.flinkdistill.teacher;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a teacher's token-embedding table out of its ONNX file (float, or uint8/int8 with a scale
 * and zero point as dynamic quantisation leaves it), so that a student can start from what the
 * teacher knows about words instead of from noise.
 */
public final class TeacherEmbeddings {
    private TeacherEmbeddings() {}

    /** The table as rows x dim, row-major. */
    public record Table(int rows, int dim, float[] values) {}

    /**
     * @param model a shipped encoder's id or a model location (see {@link ModelSource})
     */
    public static Table read(String model) throws IOException {
        String location =
                model.contains(":") || model.contains("/")
                        ? model
                        : TeacherSpec.shipped(ShippedEncoder.byId(model)).model();
        try (InputStream in = ModelSource.open(location)) {
            return read(OnnxMl.ModelProto.parseFrom(in).getGraph());
        }
    }

    static Table read(OnnxMl.GraphProto graph) throws IOException {
        OnnxMl.TensorProto table = null;
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getName().contains("word_embeddings") && t.getDimsCount() == 2) {
                table = t;
            }
        }
        if (table == null) {
            throw new IOException("The teacher model has no 2-D word_embeddings initializer");
        }
        int rows = Math.toIntExact(table.getDims(0));
        int dim = Math.toIntExact(table.getDims(1));
        float[] values = new float[rows * dim];
        ByteBuffer raw = table.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (table.getDataType()) {
            case 1 -> { // FLOAT
                if (table.getFloatDataCount() > 0) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = table.getFloatData(i);
                    }
                } else {
                    raw.asFloatBuffer().get(values);
                }
            }
            case 2, 3 -> { // UINT8, INT8 with a per-tensor scale and zero point
                String base = table.getName().replace("_quantized", "");
                float scale = scalar(graph, base + "_scale");
                float zeroPoint = scalar(graph, base + "_zero_point");
                boolean unsigned = table.getDataType() == 2;
                for (int i = 0; i < values.length; i++) {
                    byte b = raw.get(i);
                    int q = unsigned ? (b & 0xff) : b;
                    values[i] = (q - zeroPoint) * scale;
                }
            }
            default -> throw new IOException("Unsupported embedding type " + table.getDataType());
        }
        return new Table(rows, dim, values);
    }

    private static float scalar(OnnxMl.GraphProto graph, String name) throws IOException {
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getName().equals(name)) {
                ByteBuffer raw =
                        t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                return switch (t.getDataType()) {
                    case 1 -> t.getFloatDataCount() > 0 ? t.getFloatData(0) : raw.getFloat(0);
                    case 2 -> t.getInt32DataCount() > 0 ? t.getInt32Data(0) : raw.get(0) & 0xff;
                    case 3 -> t.getInt32DataCount() > 0 ? t.getInt32Data(0) : raw.get(0);
                    default ->
                            throw new IOException(
                                    "Unsupported type of " + name + ": " + t.getDataType());
                };
            }
        }
        throw new IOException("The teacher model has no initializer " + name);
    }
}

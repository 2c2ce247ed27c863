package io.flinkdistill.teacher;

import ai.onnx.proto.OnnxMl;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What an ONNX model's file says about itself: its digest, its parameters, its vocabulary. */
final class ModelGraph {
    private ModelGraph() {}

    /** Rows of the word-embedding table: the largest first dimension of a 2-D initializer. */
    static int vocabularySize(OnnxMl.GraphProto graph) {
        long rows = 0;
        for (OnnxMl.TensorProto init : graph.getInitializerList()) {
            if (init.getDimsCount() == 2) {
                rows = Math.max(rows, init.getDims(0));
            }
        }
        return (int) rows;
    }

    static long countParameters(OnnxMl.GraphProto graph) {
        long total = 0;
        for (OnnxMl.TensorProto init : graph.getInitializerList()) {
            long n = 1;
            for (long d : init.getDimsList()) {
                n *= d;
            }
            // Scalars (scales, zero points of quantisation) are bookkeeping, not parameters.
            if (init.getDimsCount() > 0) {
                total += n;
            }
        }
        return total;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.flinkdistill.teacher;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The pretrained ONNX sentence encoders that ship inside Maven jars (langchain4j's embedding
 * artifacts), addressable by a short name. Each is a real BERT-family encoder with its own {@code
 * tokenizer.json}; nothing is downloaded at run time.
 */
public enum ShippedEncoder {
    E5_SMALL_V2_Q(
            "e5-small-v2-q", "/e5-small-v2-q.onnx", "/e5-small-v2-q-tokenizer.json", "query: "),
    BGE_SMALL_EN_V15_Q(
            "bge-small-en-v1.5-q",
            "/bge-small-en-v1.5-q.onnx",
            "/bge-small-en-v1.5-q-tokenizer.json",
            ""),
    ALL_MINILM_L6_V2(
            "all-minilm-l6-v2", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", ""),
    ALL_MINILM_L6_V2_Q(
            "all-minilm-l6-v2-q",
            "/all-minilm-l6-v2-q.onnx",
            "/all-minilm-l6-v2-q-tokenizer.json",
            "");

    private final String id;
    private final String modelResource;
    private final String tokenizerResource;
    private final String textPrefix;

    ShippedEncoder(String id, String modelResource, String tokenizerResource, String textPrefix) {
        this.id = id;
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
        this.textPrefix = textPrefix;
    }

    public String id() {
        return id;
    }

    public String modelResource() {
        return modelResource;
    }

    public String tokenizerResource() {
        return tokenizerResource;
    }

    /** Prefix the encoder was trained with (e5 expects {@code "query: "} on every input). */
    public String textPrefix() {
        return textPrefix;
    }

    /** Looks an encoder up by its id; the error lists every id that exists. */
    public static ShippedEncoder byId(String id) {
        for (ShippedEncoder e : values()) {
            if (e.id.equals(id.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "Unknown teacher model '" + id + "'; shipped models are: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(ShippedEncoder::id).collect(Collectors.joining(", "));
    }
}

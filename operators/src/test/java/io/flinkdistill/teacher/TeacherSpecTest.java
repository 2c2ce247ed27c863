package io.flinkdistill.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any ONNX model as a teacher: specs parse with exact errors, models open from files, URIs and the
 * classpath, and a spec that does not fit the model fails with what the model really has.
 */
class TeacherSpecTest {
    private static final String MODEL = "classpath:/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER = "classpath:/all-minilm-l6-v2-q-tokenizer.json";

    @TempDir Path dir;

    @Test
    void shouldParseAShippedIdAndAKeyValueSpec() {
        assertThat(TeacherSpec.parse("e5-small-v2-q").prefix()).isEqualTo("query: ");
        TeacherSpec s =
                TeacherSpec.parse(
                        "model=s3://bucket/enc.onnx,tokenizer=s3://bucket/t.json,pooling=cls,"
                                + "token-type-ids=none,attention=a;b");
        assertThat(s.name()).isEqualTo("enc");
        assertThat(s.pooling()).isEqualTo(TeacherSpec.Pooling.CLS);
        assertThat(s.tokenTypeIds()).isNull();
        assertThat(s.attentionMask()).isEqualTo("attention_mask");
        assertThat(s.attention()).containsExactly("a", "b");
    }

    @Test
    void shouldNameTheWrongKeyAndListTheAllowedOnes() {
        assertThatThrownBy(() -> TeacherSpec.parse("model=m.onnx,tokenizer=t.json,colour=red"))
                .hasMessage(
                        "unknown key 'colour'; keys are name, model, tokenizer, input-ids,"
                                + " attention-mask, token-type-ids, output, logits, classes, pooling,"
                                + " prefix, attention");
        assertThatThrownBy(() -> TeacherSpec.parse("model=m.onnx,tokenizer=t.json,pooling=max"))
                .hasMessage("pooling must be 'mean' or 'cls', got 'max'");
        assertThatThrownBy(() -> TeacherSpec.parse("model=m.onnx,logits=out,tokenizer=t.json"))
                .hasMessage("logits=out needs classes=<a;b;...> naming at least two classes");
        assertThatThrownBy(() -> TeacherSpec.parse("gpt-5"))
                .hasMessageContaining("'gpt-5' is neither a shipped model (e5-small-v2-q,");
    }

    @Test
    void shouldOpenAModelFromAFileUriAndAPlainPathAlike() throws Exception {
        Path model = dir.resolve("encoder.onnx");
        Path tokenizer = dir.resolve("tokenizer.json");
        Files.write(model, ModelSource.read(MODEL));
        Files.write(tokenizer, ModelSource.read(TOKENIZER));
        float[] fromClasspath;
        try (OnnxTeacher t = OnnxTeacher.open(ShippedEncoder.ALL_MINILM_L6_V2_Q, null, 64, 1)) {
            fromClasspath = t.infer(List.of("a gentle film")).get(0).embedding();
        }
        for (String location : List.of(model.toUri().toString(), model.toString())) {
            TeacherSpec spec = TeacherSpec.parse("model=" + location + ",tokenizer=" + tokenizer);
            try (OnnxTeacher t = OnnxTeacher.open(spec, null, 64, 1)) {
                assertThat(t.name()).isEqualTo("encoder");
                assertThat(t.infer(List.of("a gentle film")).get(0).embedding())
                        .containsExactly(fromClasspath);
            }
        }
    }

    @Test
    void shouldPoolTheFirstTokenWithCls() throws Exception {
        TeacherSpec mean = TeacherSpec.parse("model=" + MODEL + ",tokenizer=" + TOKENIZER);
        TeacherSpec cls =
                TeacherSpec.parse("model=" + MODEL + ",tokenizer=" + TOKENIZER + ",pooling=cls");
        try (OnnxTeacher m = OnnxTeacher.open(mean, null, 64, 1);
                OnnxTeacher c = OnnxTeacher.open(cls, null, 64, 1)) {
            float[] a = m.infer(List.of("a gentle film")).get(0).embedding();
            float[] b = c.infer(List.of("a gentle film")).get(0).embedding();
            assertThat(b).hasSize(a.length).isNotEqualTo(a);
        }
    }

    @Test
    void shouldListTheModelsInputsWhenANamedInputIsMissing() {
        TeacherSpec spec =
                TeacherSpec.parse(
                        "name=mini,model=" + MODEL + ",tokenizer=" + TOKENIZER + ",input-ids=ids");
        assertThatThrownBy(() -> OnnxTeacher.open(spec, null, 64, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "teacher 'mini': input-ids=ids is not an input of the model; its inputs"
                                + " are: input_ids int64[-1, -1], attention_mask int64[-1, -1],"
                                + " token_type_ids int64[-1, -1]");
    }

    @Test
    void shouldRefuseAModelInputThatNoKeyFeeds() {
        TeacherSpec spec =
                TeacherSpec.parse(
                        "name=mini,model="
                                + MODEL
                                + ",tokenizer="
                                + TOKENIZER
                                + ",attention-mask=none");
        assertThatThrownBy(() -> OnnxTeacher.open(spec, null, 64, 1))
                .hasMessageStartingWith(
                        "teacher 'mini': the model needs input 'attention_mask' that no key feeds");
    }

    @Test
    void shouldListTheOutputsWhenTheNamedOutputIsMissing() {
        TeacherSpec spec =
                TeacherSpec.parse(
                        "name=mini,model=" + MODEL + ",tokenizer=" + TOKENIZER + ",output=pooled");
        assertThatThrownBy(() -> OnnxTeacher.open(spec, null, 64, 1))
                .hasMessageStartingWith(
                        "teacher 'mini': output=pooled is not a float tensor output of the model;"
                                + " its outputs are: last_hidden_state float[");
    }

    @Test
    void shouldNameAMissingModelFile() {
        TeacherSpec spec = TeacherSpec.parse("model=/nowhere/m.onnx,tokenizer=" + TOKENIZER);
        assertThatThrownBy(() -> OnnxTeacher.open(spec, null, 64, 1))
                .hasMessage(
                        "teacher 'm': model=/nowhere/m.onnx cannot be read: no such file:"
                                + " /nowhere/m.onnx");
    }

    @Test
    void shouldUseAModelsOwnClassifierOutput() throws Exception {
        // A real classifier: the encoder with a linear layer on its mean-pooled state, appended to
        // its graph, so the model outputs logits itself.
        float[][] w = new float[384][2];
        for (int d = 0; d < 384; d++) {
            w[d][0] = (float) Math.sin(d);
            w[d][1] = (float) Math.cos(d);
        }
        float[] bias = {0.1f, -0.2f};
        Path model = dir.resolve("classifier.onnx");
        Files.write(model, withLinearClassifier(ModelSource.read(MODEL), w, bias).toByteArray());
        TeacherSpec spec =
                TeacherSpec.parse(
                        "name=clf,model="
                                + model
                                + ",tokenizer="
                                + TOKENIZER
                                + ",logits=logits,classes=neg;pos");
        float[][] headWeights = new float[2][384];
        for (int d = 0; d < 384; d++) {
            headWeights[0][d] = w[d][0];
            headWeights[1][d] = w[d][1];
        }
        LinearHead head =
                new LinearHead("all-minilm-l6-v2-q", List.of("neg", "pos"), headWeights, bias);
        try (OnnxTeacher own = OnnxTeacher.open(spec, null, 64, 1);
                OnnxTeacher withHead =
                        OnnxTeacher.open(ShippedEncoder.ALL_MINILM_L6_V2_Q, head, 64, 1)) {
            assertThat(own.classes()).containsExactly("neg", "pos");
            float[] a = own.infer(List.of("a gentle film")).get(0).logits();
            float[] b = withHead.infer(List.of("a gentle film")).get(0).logits();
            assertThat(a[0]).isCloseTo(b[0], within(1e-3f));
            assertThat(a[1]).isCloseTo(b[1], within(1e-3f));
        }
        TeacherSpec wrong =
                TeacherSpec.parse(
                        "name=clf,model="
                                + model
                                + ",tokenizer="
                                + TOKENIZER
                                + ",logits=logits,classes=a;b;c");
        assertThatThrownBy(() -> OnnxTeacher.open(wrong, null, 64, 1))
                .hasMessage(
                        "teacher 'clf': logits output 'logits' has shape [-1, 2] but 3 classes"
                                + " were named (classes=a;b;c)");
    }

    /** Appends mean over tokens, MatMul and Add to an encoder graph, as output "logits". */
    private static OnnxMl.ModelProto withLinearClassifier(byte[] encoder, float[][] w, float[] b)
            throws Exception {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(encoder);
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        OnnxMl.TensorProto.Builder wt =
                OnnxMl.TensorProto.newBuilder()
                        .setName("clf_w")
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                        .addDims(w.length)
                        .addDims(w[0].length);
        for (float[] row : w) {
            for (float v : row) {
                wt.addFloatData(v);
            }
        }
        OnnxMl.TensorProto.Builder bt =
                OnnxMl.TensorProto.newBuilder()
                        .setName("clf_b")
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                        .addDims(b.length);
        for (float v : b) {
            bt.addFloatData(v);
        }
        g.addInitializer(wt).addInitializer(bt);
        g.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("ReduceMean")
                        .addInput("last_hidden_state")
                        .addOutput("clf_pooled")
                        .addAttribute(
                                OnnxMl.AttributeProto.newBuilder()
                                        .setName("axes")
                                        .setType(OnnxMl.AttributeProto.AttributeType.INTS)
                                        .addInts(1))
                        .addAttribute(
                                OnnxMl.AttributeProto.newBuilder()
                                        .setName("keepdims")
                                        .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                        .setI(0)));
        g.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("MatMul")
                        .addInput("clf_pooled")
                        .addInput("clf_w")
                        .addOutput("clf_mm"));
        g.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("Add")
                        .addInput("clf_mm")
                        .addInput("clf_b")
                        .addOutput("logits"));
        g.addOutput(
                OnnxMl.ValueInfoProto.newBuilder()
                        .setName("logits")
                        .setType(
                                OnnxMl.TypeProto.newBuilder()
                                        .setTensorType(
                                                OnnxMl.TypeProto.Tensor.newBuilder()
                                                        .setElemType(
                                                                OnnxMl.TensorProto.DataType
                                                                        .FLOAT_VALUE)
                                                        .setShape(
                                                                OnnxMl.TensorShapeProto.newBuilder()
                                                                        .addDim(
                                                                                OnnxMl
                                                                                        .TensorShapeProto
                                                                                        .Dimension
                                                                                        .newBuilder()
                                                                                        .setDimParam(
                                                                                                "batch"))
                                                                        .addDim(
                                                                                OnnxMl
                                                                                        .TensorShapeProto
                                                                                        .Dimension
                                                                                        .newBuilder()
                                                                                        .setDimValue(
                                                                                                2))))));
        return model.toBuilder().setGraph(g).build();
    }
}

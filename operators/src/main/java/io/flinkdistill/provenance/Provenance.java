package io.flinkdistill.provenance;

import io.flinkdistill.loss.LossWeights;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * What produced a student: the teacher (name, sha256, tokenizer, text prefix, size, classes), the
 * options the job was started with, the code version, and the trainer's record (student, progress,
 * loss weights and schedule, Kafka offsets, what it trained). Immutable and typed on both sides:
 * written through named methods, read through typed accessors; the keys are spelled only here.
 *
 * <p>It travels as string entries, unchanged in every format that carries it (trainer state,
 * student files, ONNX metadata, {@code metadata.json}, model events), so files of earlier versions
 * read as before. It is a record of what happened, never a source of configuration: a job takes its
 * settings from its options, and only tools that look at a finished student (benchmarks, serving)
 * read it.
 */
public final class Provenance implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final String TEACHER_MODEL = "teacher.model";
    private static final String TEACHER_SHA256 = "teacher.sha256";
    private static final String TOKENIZER = "teacher.tokenizer";
    private static final String PREFIX = "teacher.prefix";
    private static final String TEACHER_PARAMS = "teacher.params";
    private static final String CLASSES = "teacher.classes";
    private static final String ATTENTION_LAYERS = "teacher.attention_layers";
    private static final String FUSED = "teacher.fused.";
    private static final String OPTIONS = "options.";
    private static final String CODE_VERSION = "code.version";
    private static final String TEACHER_NAMES = "teacher.names";
    private static final String LOSS_POLICY = "training.loss_policy";
    private static final String STUDENT_NAME = "student.name";
    private static final String STUDENT_CONFIG = "student.config";
    private static final String SAMPLES = "training.samples";
    private static final String STEPS = "training.steps";
    private static final String SKIPPED_STEPS = "training.skipped_steps";
    private static final String PHASE = "training.phase";
    private static final String LOSS_WEIGHTS = "training.loss_weights";
    private static final String TEMPERATURE = "training.temperature";
    private static final String LEARNING_RATE_SCALE = "training.learning_rate_scale";
    private static final String EMBEDDING_INIT = "training.embedding_init";
    private static final String ATTENTION_HEADS = "teacher.attention_heads";
    private static final String TEACHER_WEIGHTS = "teacher.weights";
    private static final String OFFSET = "kafka.offset.p";
    private static final String PARTITION_SAMPLES = "kafka.samples.p";
    private static final String ID_DIGEST = "training.id_digest";
    private static final String SKIPPED = "training.samples_skipped";
    private static final String SKIPPED_DIGEST = "training.skipped_id_digest";
    private static final String AUGMENTED = "training.samples_augmented";
    private static final String NEWEST_EVENT_TIME = "training.newest_event_time";
    private static final String PRUNE_THRESHOLD = "publish.prune_threshold";

    /** Nothing recorded. */
    public static final Provenance EMPTY = new Provenance(Map.of());

    private final Map<String, String> entries;

    private Provenance(Map<String, String> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** The provenance a file, a checkpoint or a model's metadata carried. */
    public static Provenance of(Map<String, String> entries) {
        return new Provenance(entries);
    }

    /** The string entries, in the order they were written (for files, state and metadata). */
    public Map<String, String> entries() {
        return entries;
    }

    /** A builder that starts from what this provenance holds. */
    public Builder toBuilder() {
        return new Builder(entries);
    }

    public static Builder builder() {
        return new Builder(Map.of());
    }

    // ---- the job: teacher, options, code ----

    /** The primary teacher's name, if recorded. */
    public Optional<String> teacherModel() {
        return text(TEACHER_MODEL);
    }

    public Optional<String> teacherSha256() {
        return text(TEACHER_SHA256);
    }

    /** Where the teacher's tokenizer is (a shipped resource or a file), if recorded. */
    public Optional<String> tokenizer() {
        return text(TOKENIZER);
    }

    /** The text prefix the teacher expects ("" when none or not recorded). */
    public String prefix() {
        return entries.getOrDefault(PREFIX, "");
    }

    public OptionalLong teacherParameters() {
        String v = entries.get(TEACHER_PARAMS);
        return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v));
    }

    /** The class names in output order (empty when not recorded). */
    public List<String> classes() {
        String v = entries.get(CLASSES);
        return v == null || v.isEmpty() ? List.of() : List.of(v.split(","));
    }

    /** The sha256 of each fused teacher after the first, by name. */
    public Map<String, String> fusedTeachers() {
        Map<String, String> out = new LinkedHashMap<>();
        entries.forEach(
                (k, v) -> {
                    if (k.startsWith(FUSED) && k.endsWith(".sha256")) {
                        out.put(k.substring(FUSED.length(), k.length() - ".sha256".length()), v);
                    }
                });
        return out;
    }

    /** The value an option was recorded with at start-up (by its provenance name). */
    public Optional<String> option(String name) {
        return text(OPTIONS + name);
    }

    public Optional<String> codeVersion() {
        return text(CODE_VERSION);
    }

    // ---- the trainer's record ----

    public Optional<String> studentName() {
        return text(STUDENT_NAME);
    }

    /** The samples the student had trained on, if recorded. */
    public OptionalLong samplesTrained() {
        String v = entries.get(SAMPLES);
        return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v));
    }

    /** The teacher's attention-head selection the trainer last saw ("" when none). */
    public String attentionHeads() {
        return entries.getOrDefault(ATTENTION_HEADS, "");
    }

    /** What the trainer trained (zeros and empty maps for what is not recorded). */
    public TrainedCounts trained() {
        TreeMap<Integer, Long> samples = new TreeMap<>();
        TreeMap<Integer, Long> offsets = new TreeMap<>();
        entries.forEach(
                (k, v) -> {
                    if (k.startsWith(PARTITION_SAMPLES)) {
                        samples.put(
                                Integer.parseInt(k.substring(PARTITION_SAMPLES.length())),
                                Long.parseLong(v));
                    } else if (k.startsWith(OFFSET)) {
                        offsets.put(
                                Integer.parseInt(k.substring(OFFSET.length())), Long.parseLong(v));
                    }
                });
        return new TrainedCounts(
                samples,
                offsets,
                hex(ID_DIGEST),
                number(SKIPPED),
                hex(SKIPPED_DIGEST),
                number(AUGMENTED),
                number(NEWEST_EVENT_TIME));
    }

    /** The FFN pruning threshold the published file was cut at (0: not pruned). */
    public double pruneThreshold() {
        return Double.parseDouble(entries.getOrDefault(PRUNE_THRESHOLD, "0"));
    }

    private Optional<String> text(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    private long number(String key) {
        return Long.parseLong(entries.getOrDefault(key, "0"));
    }

    private long hex(String key) {
        return Long.parseUnsignedLong(entries.getOrDefault(key, "0"), 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Provenance p && entries.equals(p.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString();
    }

    /** Writes provenance by named parts; a later write of a part replaces the earlier one. */
    public static final class Builder {
        private final LinkedHashMap<String, String> entries;

        private Builder(Map<String, String> start) {
            entries = new LinkedHashMap<>(start);
        }

        /** The primary teacher as the job opened it: name, sha256, size, attention layer map. */
        public Builder teacher(
                String model, String sha256, long parameters, int[] attentionLayers) {
            entries.put(TEACHER_MODEL, model);
            entries.put(TEACHER_SHA256, sha256);
            entries.put(TEACHER_PARAMS, Long.toString(parameters));
            entries.put(ATTENTION_LAYERS, Arrays.toString(attentionLayers));
            return this;
        }

        /**
         * The tokenizer and text prefix a server of the student must use (the primary teacher's).
         */
        public Builder tokenizerOf(String tokenizer, String prefix) {
            entries.put(TOKENIZER, tokenizer);
            entries.put(PREFIX, prefix);
            return this;
        }

        /** The class names in output order. */
        public Builder classes(List<String> classes) {
            entries.put(CLASSES, String.join(",", classes));
            return this;
        }

        /** A teacher fused after the first one. */
        public Builder fusedTeacher(String name, String sha256) {
            entries.put(FUSED + name + ".sha256", sha256);
            return this;
        }

        /** An option's value at start-up, under its provenance name (e.g. {@code seed}). */
        public Builder option(String name, String value) {
            entries.put(OPTIONS + name, value);
            return this;
        }

        public Builder codeVersion(String version) {
            entries.put(CODE_VERSION, version);
            return this;
        }

        /** Which student this is, its shape, how its embeddings started and its loss policy. */
        public Builder student(
                String name, String config, String embeddingInit, String lossPolicy) {
            entries.put(STUDENT_NAME, name);
            entries.put(STUDENT_CONFIG, config);
            entries.put(EMBEDDING_INIT, embeddingInit);
            entries.put(LOSS_POLICY, lossPolicy);
            return this;
        }

        /**
         * The job's teachers in order, the attention-head selection and fusion weights the latest
         * sample carried (an empty selection and no weights leave them out).
         */
        public Builder teachers(List<String> names, String attentionHeads, float[] weights) {
            entries.put(TEACHER_NAMES, String.join(",", names));
            if (!attentionHeads.isEmpty()) {
                entries.put(ATTENTION_HEADS, attentionHeads);
            }
            if (weights.length > 0) {
                entries.put(TEACHER_WEIGHTS, Arrays.toString(weights));
            }
            return this;
        }

        /** Samples, optimizer steps and skipped steps so far, and the schedule phase. */
        public Builder progress(long samples, long steps, long skippedSteps, String phase) {
            entries.put(SAMPLES, Long.toString(samples));
            entries.put(STEPS, Long.toString(steps));
            entries.put(SKIPPED_STEPS, Long.toString(skippedSteps));
            entries.put(PHASE, phase);
            return this;
        }

        /** The loss weights, distillation temperature and learning-rate scale in force. */
        public Builder schedule(LossWeights weights, double temperature, double learningRateScale) {
            entries.put(LOSS_WEIGHTS, weights.toString());
            entries.put(TEMPERATURE, Double.toString(temperature));
            entries.put(LEARNING_RATE_SCALE, Double.toString(learningRateScale));
            return this;
        }

        /** What the trainer trained; zero counts of skipped, augmented and event time left out. */
        public Builder trained(TrainedCounts c) {
            c.highestOffsets().forEach((p, o) -> entries.put(OFFSET + p, Long.toString(o)));
            c.samplesPerPartition()
                    .forEach((p, n) -> entries.put(PARTITION_SAMPLES + p, Long.toString(n)));
            entries.put(ID_DIGEST, Long.toHexString(c.idDigest()));
            if (c.skipped() > 0) {
                entries.put(SKIPPED, Long.toString(c.skipped()));
                entries.put(SKIPPED_DIGEST, Long.toHexString(c.skippedDigest()));
            }
            if (c.augmented() > 0) {
                entries.put(AUGMENTED, Long.toString(c.augmented()));
            }
            if (c.newestEventTime() > 0) {
                entries.put(NEWEST_EVENT_TIME, Long.toString(c.newestEventTime()));
            }
            return this;
        }

        /** The FFN pruning threshold the student's published file was cut at. */
        public Builder pruneThreshold(double threshold) {
            entries.put(PRUNE_THRESHOLD, Double.toString(threshold));
            return this;
        }

        public Provenance build() {
            return new Provenance(entries);
        }
    }
}

package io.flinkdistill.teacher;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Options of the teacher operator, validated on construction.
 *
 * @param teachers the models, fused when more than one; the first is the primary: the student
 *     shares its tokenizer and learns its features and attention maps
 * @param heads one per teacher: its fitted {@link LinearHead} (shipped inside the job graph so no
 *     task reads a file), or null for a teacher with its own classifier output
 * @param fusion how several teachers' distributions are combined
 * @param batching when micro-batches close and whether they are grouped by length
 * @param threads ONNX Runtime intra-op threads per slot
 * @param maxTokens inputs are truncated to this many tokens
 * @param studentName the student the scored samples are routed to
 * @param attention attention maps for attention transfer
 */
public record TeacherSettings(
        List<TeacherSpec> teachers,
        List<LinearHead> heads,
        Fusion fusion,
        Batching batching,
        int threads,
        int maxTokens,
        String studentName,
        Attention attention)
        implements Serializable {

    /**
     * @param weights initial weight of each teacher (fixed unless learned)
     * @param learn learn the weights from gold labels as they arrive
     * @param halfLifeLabels how fast learned weights forget old labels
     */
    public record Fusion(double[] weights, boolean learn, int halfLifeLabels)
            implements Serializable {
        public Fusion {
            weights = TeacherFusion.normalise(weights);
            if (halfLifeLabels < 1) {
                throw new IllegalArgumentException(
                        "fusion half-life must be >= 1 label, got " + halfLifeLabels);
            }
        }

        public static Fusion uniform(int teachers) {
            double[] w = new double[teachers];
            java.util.Arrays.fill(w, 1);
            return new Fusion(w, false, 5000);
        }
    }

    /**
     * @param size a micro-batch runs at this many samples
     * @param maxLatencyMillis or when its oldest sample has waited this long
     * @param bucketing gather several batches, sort them by token length and run them in chunks
     */
    public record Batching(int size, long maxLatencyMillis, boolean bucketing)
            implements Serializable {
        public Batching {
            if (size < 1 || maxLatencyMillis < 1) {
                throw new IllegalArgumentException(
                        "teacher batch size and latency must be >= 1; got "
                                + size
                                + " and "
                                + maxLatencyMillis);
            }
        }
    }

    /** Which heads of a teacher layer make its attention target. */
    public enum HeadMode {
        /** Every head, averaged by the operator. */
        ALL,
        /** Every head, averaged inside the graph (ReduceMean): less data out of ONNX Runtime. */
        GRAPH,
        /** The top-K heads by attention entropy. */
        TOP_HIGH,
        /** The bottom-K heads by attention entropy. */
        TOP_LOW;

        public static HeadMode parse(String s) {
            for (HeadMode m : values()) {
                if (m.label().equals(s.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "must be one of all, graph, top-high, top-low; got '" + s + "'");
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param studentLayers when > 0, the primary teacher also sends attention maps of this many
     *     evenly spaced layers (one per student layer)
     * @param heads which heads
     * @param topK heads kept per layer by the entropy ranking
     * @param rankAfterSamples samples whose entropy is measured before heads are first ranked (all
     *     heads are used until then); they are re-ranked every ten times as many
     */
    public record Attention(int studentLayers, HeadMode heads, int topK, long rankAfterSamples)
            implements Serializable {
        public Attention {
            if (studentLayers < 0 || topK < 1 || rankAfterSamples < 1) {
                throw new IllegalArgumentException(
                        "attention layers must be >= 0, top-k and rank-after >= 1; got "
                                + studentLayers
                                + ", "
                                + topK
                                + ", "
                                + rankAfterSamples);
            }
        }

        public static Attention off() {
            return new Attention(0, HeadMode.ALL, 5, 2000);
        }

        public boolean ranked() {
            return studentLayers > 0 && (heads == HeadMode.TOP_HIGH || heads == HeadMode.TOP_LOW);
        }
    }

    public TeacherSettings {
        teachers = List.copyOf(teachers);
        heads = java.util.Collections.unmodifiableList(new ArrayList<>(heads));
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("at least one teacher is required");
        }
        if (heads.size() != teachers.size() || fusion.weights().length != teachers.size()) {
            throw new IllegalArgumentException(
                    teachers.size()
                            + " teachers need as many heads and weights; got "
                            + heads.size()
                            + " heads and "
                            + fusion.weights().length
                            + " weights");
        }
        List<String> names = new ArrayList<>();
        List<String> classes = null;
        for (int i = 0; i < teachers.size(); i++) {
            TeacherSpec t = teachers.get(i);
            LinearHead head = heads.get(i);
            if (names.contains(t.name())) {
                throw new IllegalArgumentException(
                        "two teachers are named '" + t.name() + "'; give one name=...");
            }
            names.add(t.name());
            List<String> c;
            if (t.hasOwnClassifier()) {
                c = t.classes();
            } else {
                if (head == null) {
                    throw new IllegalArgumentException(
                            "teacher '"
                                    + t.name()
                                    + "' needs a head (fit one with distill fit-head)");
                }
                if (!head.encoder.equals(t.name())) {
                    throw new IllegalArgumentException(
                            "a teacher head was fitted on "
                                    + head.encoder
                                    + " but is given to teacher '"
                                    + t.name()
                                    + "'");
                }
                c = head.classes;
            }
            if (classes != null && !classes.equals(c)) {
                throw new IllegalArgumentException(
                        "fused teachers must share their classes in order; '"
                                + teachers.get(0).name()
                                + "' has "
                                + classes
                                + ", '"
                                + t.name()
                                + "' has "
                                + c);
            }
            classes = c;
        }
        if (threads < 1 || maxTokens < 8) {
            throw new IllegalArgumentException(
                    "teacher threads must be >= 1 and max tokens >= 8; got "
                            + threads
                            + ", "
                            + maxTokens);
        }
    }

    /** One shipped teacher with its head, weight 1, default batching (tools and tests). */
    public static TeacherSettings single(
            LinearHead head,
            int batchSize,
            long maxLatencyMillis,
            int threads,
            int maxTokens,
            String studentName,
            int attentionStudentLayers) {
        return new TeacherSettings(
                List.of(TeacherSpec.shipped(ShippedEncoder.byId(head.encoder))),
                java.util.Collections.singletonList(head),
                Fusion.uniform(1),
                new Batching(batchSize, maxLatencyMillis, true),
                threads,
                maxTokens,
                studentName,
                new Attention(attentionStudentLayers, HeadMode.ALL, 5, 2000));
    }

    /** The classes every teacher predicts, in order. */
    public List<String> classes() {
        TeacherSpec first = teachers.get(0);
        return first.hasOwnClassifier() ? first.classes() : heads.get(0).classes;
    }

    public List<String> names() {
        return teachers.stream().map(TeacherSpec::name).toList();
    }

    /** Index of a class name, or -1. */
    public int classIndex(String label) {
        return classes().indexOf(label);
    }
}

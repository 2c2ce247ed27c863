package io.flinkdistill.training;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.loss.SoftLoss;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import java.io.Serializable;

/**
 * Everything the student trainer needs to know, validated on construction so that a bad value fails
 * at job start-up, not in a running task.
 *
 * @param batchSize samples per optimizer step
 * @param learningRate peak learning rate (after warm-up)
 * @param warmupSteps linear warm-up length in steps
 * @param cycleSamples samples over which the learning rate decays by cosine to 10 % of its peak
 * @param metricsEverySteps how often the student is evaluated and a metrics record emitted
 * @param evalWindow how many of the latest eval-slice samples the evaluation uses
 * @param maxConsecutiveSkips after this many non-finite steps in a row the trainer rolls back to
 *     its last good state and halves the learning rate
 * @param embeddingInit {@link #RANDOM_EMBEDDINGS}, or {@link #TEACHER_EMBEDDINGS} and a shipped
 *     teacher id: the student's token embeddings start as that teacher's, projected on their
 *     principal components to the student's embedding width; or {@link #PRETRAINED_LAYERS} and an
 *     encoder: a bert-family student starts as that encoder's first layers ({@link
 *     PretrainedStudent})
 * @param progressive follow the {@link ProgressiveSchedule} (warm-up, alignment, refinement, then
 *     continuous); otherwise everything trains from the start at a fixed temperature
 * @param attentionLengthScale per-sample weighting by input complexity: the attention term of a
 *     sample of n tokens counts {@code min(1, scale / n)}, so long texts, whose attention maps the
 *     design source found to hurt when weighted fully, count less; 0 weighs every sample fully
 * @param teacherNames the job's teachers in order, naming fusion weights and accuracies
 * @param lossPolicy the loss reweighting policy the job runs (reported in the metrics)
 * @param softLoss how the soft term compares student and teacher logits (KL at the temperature, or
 *     MSE on the logits)
 * @param lengthWeighting per-sample weighting by length: the soft, feature and hard terms of a text
 *     of n tokens count in proportion to {@code n^P}, normalised to mean 1 over the batch (0: every
 *     sample equal); a stream of short phrases then weighs its whole sentences more
 * @param threads libtorch intra-op threads of the trainer's task thread (0: libtorch's default, one
 *     per core of the machine; see {@link TorchThreads})
 * @param shufflePool training samples held beyond a batch, so that each batch is drawn at random
 *     from {@code batchSize + shufflePool} arrivals instead of being the last {@code batchSize} (0:
 *     arrival order); mixes a sample's augmented variants, which arrive together, into different
 *     batches
 * @param students settings of named students that differ from these (shape, loss weights, learning
 *     rate), each complete; a student not named here trains with these ({@link #forStudent})
 */
public record TrainerSettings(
        StudentConfig student,
        LossWeights lossWeights,
        int batchSize,
        double learningRate,
        double weightDecay,
        int warmupSteps,
        long cycleSamples,
        int metricsEverySteps,
        int evalWindow,
        int maxConsecutiveSkips,
        String embeddingInit,
        boolean progressive,
        Provenance provenance,
        int attentionLengthScale,
        java.util.List<String> teacherNames,
        String lossPolicy,
        SoftLoss softLoss,
        double lengthWeighting,
        double replayRatio,
        int replayCapacity,
        boolean restartOnDrift,
        int threads,
        int shufflePool,
        java.util.Map<String, TrainerSettings> students)
        implements Serializable {

    /**
     * Settings for a student, every other value at its default (the values below), to be changed
     * with the builder's {@code optX} methods.
     */
    public static Builder builder(StudentConfig student) {
        return new Builder(student);
    }

    /** A builder holding these settings, to derive others from them. */
    public Builder toBuilder() {
        Builder b = new Builder(student);
        b.lossWeights = lossWeights;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.weightDecay = weightDecay;
        b.warmupSteps = warmupSteps;
        b.cycleSamples = cycleSamples;
        b.metricsEverySteps = metricsEverySteps;
        b.evalWindow = evalWindow;
        b.maxConsecutiveSkips = maxConsecutiveSkips;
        b.embeddingInit = embeddingInit;
        b.progressive = progressive;
        b.provenance = provenance;
        b.attentionLengthScale = attentionLengthScale;
        b.teacherNames = teacherNames;
        b.lossPolicy = lossPolicy;
        b.softLoss = softLoss;
        b.lengthWeighting = lengthWeighting;
        b.replayRatio = replayRatio;
        b.replayCapacity = replayCapacity;
        b.restartOnDrift = restartOnDrift;
        b.threads = threads;
        b.shufflePool = shufflePool;
        b.students = students;
        return b;
    }

    /** The settings a student of this name trains with. */
    public TrainerSettings forStudent(String name) {
        return students.getOrDefault(name, this);
    }

    /** Builds {@link TrainerSettings}; {@link #build()} validates. */
    public static final class Builder {
        private StudentConfig student;
        private LossWeights lossWeights = LossWeights.defaults();
        private int batchSize = 32;
        private double learningRate = 1e-3;
        private double weightDecay = 0.01;
        private int warmupSteps = 50;
        private long cycleSamples = 10_000;
        private int metricsEverySteps = 10;
        private int evalWindow = 500;
        private int maxConsecutiveSkips = 5;
        private String embeddingInit = RANDOM_EMBEDDINGS;
        private boolean progressive;
        private Provenance provenance = Provenance.EMPTY;
        private int attentionLengthScale;
        private java.util.List<String> teacherNames = java.util.List.of("teacher");
        private String lossPolicy = "fixed";
        private SoftLoss softLoss = SoftLoss.KL;
        private double lengthWeighting;
        private double replayRatio;
        private int replayCapacity = 2000;
        private boolean restartOnDrift;
        private int threads;
        private int shufflePool;
        private java.util.Map<String, TrainerSettings> students = java.util.Map.of();

        private Builder(StudentConfig student) {
            this.student = student;
        }

        /**
         * Replay: each batch of fresh samples is joined by {@code ratio} times as many samples
         * drawn from a {@link ReplayBuffer} of {@code capacity} earlier ones (0: off).
         */
        public Builder optReplay(double ratio, int capacity) {
            this.replayRatio = ratio;
            this.replayCapacity = capacity;
            return this;
        }

        /**
         * On drift (REALIGN) the cosine schedule starts a new cycle: the learning rate is back at
         * its peak and decays again over {@code cycleSamples}.
         */
        public Builder optRestartOnDrift(boolean restart) {
            this.restartOnDrift = restart;
            return this;
        }

        /** libtorch intra-op threads of the trainer's task thread (0: libtorch's default). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder optLossWeights(LossWeights lossWeights) {
            this.lossWeights = lossWeights;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optWarmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        public Builder optCycleSamples(long cycleSamples) {
            this.cycleSamples = cycleSamples;
            return this;
        }

        public Builder optMetricsEverySteps(int metricsEverySteps) {
            this.metricsEverySteps = metricsEverySteps;
            return this;
        }

        public Builder optEvalWindow(int evalWindow) {
            this.evalWindow = evalWindow;
            return this;
        }

        public Builder optMaxConsecutiveSkips(int maxConsecutiveSkips) {
            this.maxConsecutiveSkips = maxConsecutiveSkips;
            return this;
        }

        public Builder optEmbeddingInit(String embeddingInit) {
            this.embeddingInit = embeddingInit;
            return this;
        }

        public Builder optProgressive(boolean progressive) {
            this.progressive = progressive;
            return this;
        }

        /** The job's static provenance (teacher and its sha256, options, code version). */
        public Builder optProvenance(Provenance provenance) {
            this.provenance = provenance;
            return this;
        }

        public Builder optAttentionLengthScale(int attentionLengthScale) {
            this.attentionLengthScale = attentionLengthScale;
            return this;
        }

        /**
         * The job's teacher names in order (metrics name fusion weights and accuracies by them).
         */
        public Builder optTeacherNames(java.util.List<String> teacherNames) {
            this.teacherNames = teacherNames;
            return this;
        }

        /** The loss reweighting policy of the job, as the metrics report it. */
        /** Draws each batch at random from {@code batchSize + pool} arrivals (0: arrival order). */
        public Builder optShufflePool(int pool) {
            this.shufflePool = pool;
            return this;
        }

        /** The student's shape (the other settings stay). */
        public Builder optStudent(StudentConfig student) {
            this.student = student;
            return this;
        }

        /** Named students whose settings differ from these ({@link TrainerSettings#students}). */
        public Builder optStudents(java.util.Map<String, TrainerSettings> students) {
            this.students = students;
            return this;
        }

        public Builder optLossPolicy(String lossPolicy) {
            this.lossPolicy = lossPolicy;
            return this;
        }

        /** Per-sample weight {@code tokens^power}, mean 1 over each batch (0: off). */
        public Builder optLengthWeighting(double power) {
            this.lengthWeighting = power;
            return this;
        }

        /** How the soft term compares student and teacher logits (default {@code KL}). */
        public Builder optSoftLoss(SoftLoss softLoss) {
            this.softLoss = softLoss;
            return this;
        }

        public TrainerSettings build() {
            return new TrainerSettings(
                    student,
                    lossWeights,
                    batchSize,
                    learningRate,
                    weightDecay,
                    warmupSteps,
                    cycleSamples,
                    metricsEverySteps,
                    evalWindow,
                    maxConsecutiveSkips,
                    embeddingInit,
                    progressive,
                    provenance,
                    attentionLengthScale,
                    teacherNames,
                    lossPolicy,
                    softLoss,
                    lengthWeighting,
                    replayRatio,
                    replayCapacity,
                    restartOnDrift,
                    threads,
                    shufflePool,
                    students);
        }
    }

    /** Token embeddings start from noise. */
    public static final String RANDOM_EMBEDDINGS = "random";

    /**
     * Prefix of {@code embeddingInit} naming the shipped teacher whose embeddings are projected.
     */
    public static final String TEACHER_EMBEDDINGS = "teacher:";

    /**
     * Prefix of {@code embeddingInit} naming the shipped teacher whose output space the token
     * embeddings come from: each vocabulary token run through the teacher alone, its pooled output
     * projected on the principal components (as model2vec distils static embeddings).
     */
    public static final String TEACHER_OUTPUT_EMBEDDINGS = "teacher-output:";

    /**
     * Prefix of {@code embeddingInit} naming the pre-trained encoder (a shipped id or a model
     * location) whose embeddings and first layers a {@link StudentConfig.Family#BERT} student
     * starts from.
     */
    public static final String PRETRAINED_LAYERS = "pretrained:";

    public TrainerSettings {
        students = java.util.Map.copyOf(students);
        for (TrainerSettings own : students.values()) {
            if (!own.students.isEmpty()) {
                throw new IllegalArgumentException("a student's own settings name no students");
            }
        }
        if (shufflePool < 0) {
            throw new IllegalArgumentException("shuffle pool must be >= 0, got " + shufflePool);
        }
        if (attentionLengthScale < 0) {
            throw new IllegalArgumentException(
                    "attention-length-scale must be >= 0 (0: off), got " + attentionLengthScale);
        }
        java.util.Objects.requireNonNull(provenance, "provenance");
        java.util.Objects.requireNonNull(softLoss, "softLoss");
        if (!(lengthWeighting >= 0 && lengthWeighting <= 2)) {
            throw new IllegalArgumentException(
                    "length-weighting must be in [0, 2], got " + lengthWeighting);
        }
        teacherNames = java.util.List.copyOf(teacherNames);
        if (teacherNames.isEmpty() || lossPolicy == null || lossPolicy.isBlank()) {
            throw new IllegalArgumentException(
                    "a trainer needs at least one teacher name and a loss policy, got "
                            + teacherNames
                            + " and "
                            + lossPolicy);
        }
        if (!(replayRatio >= 0 && replayRatio <= 16) || replayCapacity < 1) {
            throw new IllegalArgumentException(
                    "replay-ratio must be in [0, 16] and replay-capacity >= 1, got "
                            + replayRatio
                            + " and "
                            + replayCapacity);
        }
        if (threads < 0) {
            throw new IllegalArgumentException(
                    "trainer-threads must be >= 0 (0: libtorch's default), got " + threads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || learningRate > 1) {
            throw new IllegalArgumentException(
                    "learning-rate must be in (0, 1], got " + learningRate);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight-decay must be >= 0, got " + weightDecay);
        }
        if (warmupSteps < 0 || cycleSamples < 1) {
            throw new IllegalArgumentException(
                    "warm-up steps must be >= 0 and cycle samples >= 1, got "
                            + warmupSteps
                            + " and "
                            + cycleSamples);
        }
        if (embeddingInit == null
                || !(embeddingInit.equals(RANDOM_EMBEDDINGS)
                        || embeddingInit.startsWith(TEACHER_EMBEDDINGS)
                        || embeddingInit.startsWith(TEACHER_OUTPUT_EMBEDDINGS)
                        || embeddingInit.startsWith(PRETRAINED_LAYERS))) {
            throw new IllegalArgumentException(
                    "student embedding init must be 'random', 'teacher:<model>',"
                            + " 'teacher-output:<model>' or 'pretrained:<model>', got "
                            + embeddingInit);
        }
        if (embeddingInit.startsWith(PRETRAINED_LAYERS) && !student.postNorm()) {
            throw new IllegalArgumentException(
                    "only a bert-family student can start from pre-trained layers, not a "
                            + student.family().label()
                            + " student");
        }
        if (!student.hasAttention() && lossWeights.attention() > 0) {
            throw new IllegalArgumentException(
                    "a "
                            + student.family().label()
                            + " student has no attention maps: the attention weight (gamma) must be"
                            + " 0, got "
                            + lossWeights.attention());
        }
        if (maxConsecutiveSkips < 1) {
            throw new IllegalArgumentException(
                    "max-bad-steps must be >= 1, got " + maxConsecutiveSkips);
        }
        if (metricsEverySteps < 1 || evalWindow < 1) {
            throw new IllegalArgumentException(
                    "metrics-every and eval-window must be >= 1, got "
                            + metricsEverySteps
                            + " and "
                            + evalWindow);
        }
    }

    /**
     * The progressive schedule of these settings (also used for phase names when not progressive).
     */
    public ProgressiveSchedule schedule() {
        return new ProgressiveSchedule(cycleSamples, student.layers(), lossWeights.temperature());
    }

    /**
     * Learning rate at a step and schedule position: linear warm-up, then cosine decay to 10 % of
     * the peak over the cycle. After the cycle it stays at 10 %, or, with the progressive schedule,
     * restarts every half cycle from half the peak (cosine with warm restarts).
     */
    public double learningRateAt(long step, long position) {
        double warm = warmupSteps == 0 ? 1.0 : Math.min(1.0, (step + 1) / (double) warmupSteps);
        if (position >= cycleSamples && progressive) {
            long period = Math.max(1, cycleSamples / 2);
            double p = ((position - cycleSamples) % period) / (double) period;
            return learningRate * warm * 0.5 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p)));
        }
        double progress = Math.min(1.0, position / (double) cycleSamples);
        double cosine = 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress));
        return learningRate * warm * cosine;
    }
}

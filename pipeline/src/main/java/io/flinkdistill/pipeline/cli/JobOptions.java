package io.flinkdistill.pipeline.cli;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.pipeline.input.SampleInputs;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSettings;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.TrainerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of a distillation job, shared by {@code distill run} and {@code distill demo}. Every
 * value is checked in {@link #validate()} before anything starts, and an error names the option.
 */
public class JobOptions {
    @picocli.CommandLine.Mixin KafkaConnection kafka = new KafkaConnection();

    /** The samples topics and how their records are read. */
    @picocli.CommandLine.Mixin InputOptions input = new InputOptions();

    @Option(
            names = "--metrics-topic",
            defaultValue = "distill.metrics",
            description = "Topic of DistillMetrics records (default: ${DEFAULT-VALUE}).")
    String metricsTopic;

    @Option(
            names = "--dlq-topic",
            defaultValue = "distill.samples.dlq",
            description = "Dead-letter topic (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(
            names = "--control-topic",
            defaultValue = "distill.control",
            description = "Control topic (default: ${DEFAULT-VALUE}).")
    String controlTopic;

    @Option(
            names = "--models-topic",
            defaultValue = "distill.models",
            description = "Model events topic (default: ${DEFAULT-VALUE}).")
    String modelsTopic;

    @Option(
            names = "--group-id",
            defaultValue = "flink-distill",
            description = "Kafka consumer group of the job (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(
            names = "--teacher",
            defaultValue = "e5-small-v2-q",
            description =
                    "Teacher model; repeat to fuse several (the first is the primary: the student shares its tokenizer and learns its features and attention). A shipped id (e5-small-v2-q, bge-small-en-v1.5-q, all-minilm-l6-v2, all-minilm-l6-v2-q) or key=value pairs: model=URI,tokenizer=URI[,name=,input-ids=,attention-mask=,token-type-ids=,output=,logits=,classes=a;b,pooling=mean|cls,prefix=,attention=auto|n1;n2] (default: ${DEFAULT-VALUE}).")
    List<String> teachers;

    @Option(
            names = "--teacher-head",
            description =
                    "Head file from 'distill fit-head', matched to its teacher by name; repeatable (demo: fitted on the training file when absent).")
    List<String> teacherHeads = new ArrayList<>();

    @Option(
            names = "--teacher-weights",
            description =
                    "Initial fusion weights, one number per --teacher in order, comma-separated (default: equal).")
    String teacherWeights;

    @Option(
            names = "--fusion",
            defaultValue = "learned",
            description =
                    "Fusion weights of several teachers: 'learned' online from gold labels (log-odds of each teacher's accuracy) or 'fixed' (default: ${DEFAULT-VALUE}).")
    Choices.Fusion fusion;

    @Option(
            names = "--fusion-half-life",
            defaultValue = "5000",
            description =
                    "Labels after which a label's influence on learned fusion weights halves (default: ${DEFAULT-VALUE}).")
    int fusionHalfLife;

    @Option(
            names = "--teacher-bucketing",
            defaultValue = "true",
            arity = "1",
            description =
                    "Group micro-batches by token length to cut padding (default: ${DEFAULT-VALUE}).")
    boolean teacherBucketing;

    @Option(
            names = "--attention-heads",
            defaultValue = "all",
            description =
                    "Teacher heads the attention term learns from: all, graph (all, averaged inside the ONNX graph), top-high or top-low (the --attention-top-k heads of highest or lowest attention entropy) (default: ${DEFAULT-VALUE}).")
    Choices.AttentionHeads attentionHeads;

    @Option(
            names = "--attention-top-k",
            defaultValue = "5",
            description =
                    "Heads per teacher layer kept by entropy ranking (default: ${DEFAULT-VALUE}).")
    int attentionTopK;

    @Option(
            names = "--attention-rank-after",
            defaultValue = "2000",
            description =
                    "Samples whose attention entropy is measured before heads are ranked (default: ${DEFAULT-VALUE}).")
    long attentionRankAfter;

    @Option(
            names = "--teacher-batch",
            defaultValue = "32",
            description = "Teacher micro-batch size (default: ${DEFAULT-VALUE}).")
    int teacherBatch;

    @Option(
            names = "--teacher-latency-ms",
            defaultValue = "50",
            description =
                    "Longest wait before a partial micro-batch runs (default: ${DEFAULT-VALUE}).")
    long teacherLatencyMs;

    @Option(
            names = "--teacher-threads",
            defaultValue = "1",
            description = "ONNX Runtime threads per teacher subtask (default: ${DEFAULT-VALUE}).")
    int teacherThreads;

    @Option(
            names = "--teacher-parallelism",
            defaultValue = "1",
            description = "Parallel teacher subtasks (default: ${DEFAULT-VALUE}).")
    int teacherParallelism;

    @Option(
            names = "--max-tokens",
            defaultValue = "64",
            description = "Inputs are truncated to this many tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--max-chars",
            defaultValue = "4000",
            description =
                    "Texts are truncated to this many characters (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(
            names = "--student",
            defaultValue = "student",
            description = "Name of the student (default: ${DEFAULT-VALUE}).")
    String student;

    @Option(
            names = "--student-hidden",
            defaultValue = "128",
            description = "Student hidden size (default: ${DEFAULT-VALUE}).")
    int studentHidden;

    @Option(
            names = "--student-layers",
            defaultValue = "2",
            description = "Student layers (default: ${DEFAULT-VALUE}).")
    int studentLayers;

    @Option(
            names = "--student-family",
            defaultValue = "transformer",
            description =
                    "How the student mixes tokens: 'transformer' (self-attention over learned positions), 'cnn' (a depthwise convolution of width --student-kernel, no positions, no attention term) or 'bert' (self-attention with BERT's post-LayerNorm order, which --student-pretrained needs) (default: ${DEFAULT-VALUE}).")
    Choices.StudentFamily studentFamily;

    @Option(
            names = "--student-pretrained",
            description =
                    "A bert-family student starts as this pre-trained encoder's first --student-layers layers (a shipped encoder id such as all-minilm-l6-v2, or an ONNX model location): its token embeddings projected on --student-embed principal components, its positions, and its feed-forward units with the largest weights when --student-ffn is narrower than its own. Needs --student-family bert and the encoder's width and heads (384 and 12 for the shipped ones); replaces --student-embedding-init (default: none).")
    String studentPretrained;

    @Option(
            names = "--student-kernel",
            defaultValue = "5",
            description = "Convolution width of a cnn student, odd (default: ${DEFAULT-VALUE}).")
    int studentKernel;

    @Option(
            names = "--student-heads",
            defaultValue = "4",
            description = "Student attention heads (default: ${DEFAULT-VALUE}).")
    int studentHeads;

    @Option(
            names = "--student-ffn",
            defaultValue = "512",
            description = "Student feed-forward size (default: ${DEFAULT-VALUE}).")
    int studentFfn;

    @Option(
            names = "--student-embed",
            defaultValue = "64",
            description =
                    "Width of the student's factorised token embedding (default: ${DEFAULT-VALUE}).")
    int studentEmbed;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Samples per training step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--learning-rate",
            defaultValue = "1e-3",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.01",
            description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(
            names = "--warmup-steps",
            defaultValue = "50",
            description = "Linear learning-rate warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(
            names = "--cycle-samples",
            defaultValue = "0",
            description =
                    "Samples over which the learning rate decays to 10 %%; 0 = automatic: the replayed sample count in the demo, 50000 otherwise (default: ${DEFAULT-VALUE}).")
    long cycleSamples;

    /** Cycle length used when --cycle-samples is 0 outside the demo. */
    static final long DEFAULT_CYCLE_SAMPLES = 50_000;

    @Option(
            names = "--alpha",
            defaultValue = "0.5",
            description = "Weight of the soft-logit KL term (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(
            names = "--beta",
            defaultValue = "0.3",
            description = "Weight of the feature MSE term (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(
            names = "--gamma",
            description =
                    "Weight of the attention term (default: 0.2 for a transformer student, 0 for a cnn student, which has no attention maps).")
    Double gammaOption;

    /** Weight of the attention term: the option's, or the student family's default. */
    double gamma = 0.2;

    @Option(
            names = "--hard-weight",
            defaultValue = "0.5",
            description = "Weight of cross-entropy on gold labels (default: ${DEFAULT-VALUE}).")
    double hardWeight;

    @Option(
            names = "--temperature",
            defaultValue = "3",
            description =
                    "Softmax temperature of the KL term; unused with --soft-loss mse (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(
            names = "--soft-loss",
            defaultValue = "kl",
            description =
                    "How the soft term compares student and teacher logits: kl (KL divergence of the distributions softened by --temperature, times its square) or mse (squared distance of the logits, summed over classes, as Tang et al. 2019) (default: ${DEFAULT-VALUE}).")
    Choices.SoftLoss softLoss;

    @Option(
            names = "--metrics-every-seconds",
            defaultValue = "60",
            description =
                    "A student that stepped since its last metrics record is also reported after this"
                            + " many seconds (slow streams); 0 = by steps only (default: ${DEFAULT-VALUE}).")
    int metricsEverySeconds;

    @Option(
            names = "--loss-policy",
            defaultValue = "fixed",
            description =
                    "How the evaluator re-weights the soft/feature/attention losses: fixed, dwa"
                            + " (Dynamic Weight Average) or eval-guided (default: ${DEFAULT-VALUE}).")
    Choices.LossPolicy lossPolicy;

    @Option(
            names = "--drift-margin",
            defaultValue = "0.05",
            description =
                    "Drift when windowed eval agreement falls this far below its best, and further"
                            + " than the eval window's sampling noise explains (3 standard errors): the"
                            + " trainer re-enters feature alignment; 0 turns it off (default:"
                            + " ${DEFAULT-VALUE}).")
    double driftMargin;

    @Option(
            names = "--attention-length-scale",
            defaultValue = "0",
            description =
                    "Per-sample weighting by input complexity: the attention term of a text of n"
                            + " tokens counts min(1, N/n), so long texts count less; 0 = off (default: ${DEFAULT-VALUE}).")
    int attentionLengthScale;

    @Option(
            names = "--length-weighting",
            defaultValue = "0",
            description =
                    "Per-sample weighting by length: the soft, feature and hard terms of a text of n tokens count in proportion to n^P, normalised to mean 1 over each batch, so a stream of many short phrases weighs its whole sentences more; 0 = every sample equal (default: ${DEFAULT-VALUE}).")
    double lengthWeighting;

    /** Named benchmark sets and the frozen student measured on them. */
    @picocli.CommandLine.Mixin BenchmarkOptions benchmarks = new BenchmarkOptions();

    @Option(
            names = "--restart-on-drift",
            description =
                    "On drift (a REALIGN from either detector or an operator) the cosine schedule starts a new cycle: the learning rate goes back to its peak and decays again over the cycle (with --schedule progressive, REALIGN re-enters feature alignment instead).")
    boolean restartOnDrift;

    @Option(
            names = "--replay-ratio",
            description =
                    "Replay: each training batch is joined by this many times as many samples drawn from a buffer of earlier ones with their teacher outputs (more steps per teacher call, rehearsal of older data); 0 turns it off (default: 0; 1 with demo --scenario drift, where it keeps what the student knew before the shift).")
    Double replayRatioOption;

    /** The replay ratio when --replay-ratio is not given: 0, or what a scenario sets. */
    double replayRatioDefault = 0;

    /** Replay ratio of the run: the option's, or {@link #replayRatioDefault}. */
    double replayRatio;

    @Option(
            names = "--replay-capacity",
            defaultValue = "2000",
            description =
                    "Samples the replay buffer keeps: a uniform sample of every training sample seen so far, checkpointed (default: ${DEFAULT-VALUE}).")
    int replayCapacity;

    @Option(
            names = "--shuffle-pool",
            defaultValue = "0",
            description =
                    "Training samples held beyond a batch so that each batch is drawn at random from batch size + N arrivals (0: arrival order). Mixes a sample's --augment-copies variants, which arrive together, into different batches; held samples are checkpointed with the trainer (default: ${DEFAULT-VALUE}).")
    int shufflePool;

    @Option(
            names = "--input-drift-threshold",
            defaultValue = "5",
            description =
                    "Label-free drift: the evaluator sends REALIGN when the trainer's input-shift score (blocks of 500 training samples against a reference block, in the teacher's embedding space; about 1 without drift) reaches this; 0 turns it off (default: ${DEFAULT-VALUE}).")
    double inputDriftThreshold;

    @Option(
            names = "--eval-fraction",
            defaultValue = "0.05",
            description =
                    "Share of samples held out for evaluation, by id hash (default: ${DEFAULT-VALUE}).")
    double evalFraction;

    @Option(
            names = "--eval-window",
            defaultValue = "500",
            description = "Eval samples the metrics are measured on (default: ${DEFAULT-VALUE}).")
    int evalWindow;

    @Option(
            names = "--metrics-every",
            defaultValue = "25",
            description = "Steps between metrics records (default: ${DEFAULT-VALUE}).")
    int metricsEvery;

    @Option(
            names = "--checkpoint-interval-ms",
            defaultValue = "10000",
            description = "Flink checkpoint interval (default: ${DEFAULT-VALUE}).")
    long checkpointIntervalMs;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the student's initial weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--student-embedding-init",
            defaultValue = "teacher",
            description =
                    "How the student's token embeddings start: 'teacher' (the teacher's input embeddings, projected on their principal components), 'teacher-output' (each vocabulary token run through a shipped teacher alone, its pooled output projected the same way, as model2vec does) or 'random' (default: ${DEFAULT-VALUE}).")
    Choices.EmbeddingInit studentEmbeddingInit;

    /** The trainer's embedding-init setting for the primary teacher. */
    private String embeddingInit(TeacherSpec primary) {
        if (studentPretrained != null) {
            return TrainerSettings.PRETRAINED_LAYERS + studentPretrained;
        }
        return switch (studentEmbeddingInit) {
            case TEACHER -> TrainerSettings.TEACHER_EMBEDDINGS + primary.model();
            case TEACHER_OUTPUT -> {
                boolean shipped =
                        java.util.Arrays.stream(io.flinkdistill.teacher.ShippedEncoder.values())
                                .map(TeacherSpec::shipped)
                                .anyMatch(
                                        s ->
                                                s.name().equals(primary.name())
                                                        && s.model().equals(primary.model()));
                if (!shipped) {
                    throw new OptionException(
                            "--student-embedding-init",
                            "teacher-output needs a shipped teacher as the first --teacher, got "
                                    + primary.model());
                }
                yield TrainerSettings.TEACHER_OUTPUT_EMBEDDINGS + primary.name();
            }
            case RANDOM -> TrainerSettings.RANDOM_EMBEDDINGS;
        };
    }

    @Option(
            names = "--schedule",
            defaultValue = "cosine",
            description =
                    "'progressive': warm-up (heads only), alignment (layers released top-down), refinement (temperature to 1), then continuous with warm restarts; 'cosine': everything trains from the start (default: ${DEFAULT-VALUE}).")
    Choices.Schedule schedule;

    @Option(
            names = "--long-text",
            defaultValue = "truncate",
            description =
                    "Texts over --max-chars: 'truncate' them or send them to the 'dead-letter' topic (default: ${DEFAULT-VALUE}).")
    Choices.LongText longText;

    @Option(
            names = "--dedup-window-ms",
            defaultValue = "600000",
            description =
                    "A sample whose id was seen within this many ms goes to the dead-letter topic as a duplicate; 0 turns the check off (default: ${DEFAULT-VALUE}).")
    long dedupWindowMs;

    /** Where and when student versions are published, and how far they are pruned. */
    @picocli.CommandLine.Mixin PublishOptions publish = new PublishOptions();

    @picocli.CommandLine.Mixin SelectionOptions selection = new SelectionOptions();

    @picocli.CommandLine.Mixin AugmentOptions augment = new AugmentOptions();

    @picocli.CommandLine.Mixin RoutingOptions routing = new RoutingOptions();

    /** Set by a command that publishes to a store of its own without --model-store (the demo). */
    boolean publishesByDefault;

    @Option(
            names = "--max-bad-steps",
            defaultValue = "5",
            description =
                    "After this many non-finite steps in a row, roll back to the last good state and halve the learning rate (default: ${DEFAULT-VALUE}).")
    int maxBadSteps;

    @Option(
            names = "--exactly-once-topics",
            description =
                    "Write the metrics and model-event topics in Kafka transactions committed with"
                            + " each checkpoint, so that readers with isolation.level=read_committed"
                            + " (every reader of this product) see each record exactly once, after"
                            + " the checkpoint covering it; off: at least once, visible at once.")
    boolean exactlyOnceTopics;

    @Option(
            names = "--trainer-threads",
            defaultValue = "0",
            description =
                    "libtorch intra-op threads of each trainer subtask (set in its task thread, so"
                            + " per slot), like --teacher-threads for ONNX Runtime; 0 = libtorch's"
                            + " default, one per core of the machine (default: ${DEFAULT-VALUE}).")
    int trainerThreads;

    /** Checks every option; the message of the exception names the option and what is allowed. */
    public void validate() {
        input.inputs();
        teacherSpecs();
        if (!(driftMargin >= 0) || driftMargin >= 1) {
            throw new OptionException(
                    "--drift-margin", "must be in [0, 1) (0 turns drift off), got " + driftMargin);
        }
        atLeast("--metrics-every-seconds", metricsEverySeconds, 0);
        atLeast("--trainer-threads", trainerThreads, 0);
        atLeast("--attention-length-scale", attentionLengthScale, 0);
        if (!(lengthWeighting >= 0 && lengthWeighting <= 2)) {
            throw new OptionException(
                    "--length-weighting", "must be in [0, 2], got " + lengthWeighting);
        }
        benchmarks.validate();
        replayRatio = replayRatioOption == null ? replayRatioDefault : replayRatioOption;
        if (!(replayRatio >= 0 && replayRatio <= 16)) {
            throw new OptionException(
                    "--replay-ratio",
                    "must be in [0, 16] (0 turns replay off), got " + replayRatio);
        }
        positive("--replay-capacity", replayCapacity);
        if (shufflePool < 0 || shufflePool > 100_000) {
            throw new OptionException(
                    "--shuffle-pool", "must be in [0, 100000], got " + shufflePool);
        }
        if (!(inputDriftThreshold == 0 || inputDriftThreshold > 1)
                || Double.isInfinite(inputDriftThreshold)) {
            throw new OptionException(
                    "--input-drift-threshold",
                    "must be 0 (off) or > 1 (the score without drift is about 1), got "
                            + inputDriftThreshold);
        }
        fusionWeights();
        positive("--fusion-half-life", fusionHalfLife);
        positive("--attention-top-k", attentionTopK);
        positive("--attention-rank-after", attentionRankAfter);
        for (String file : teacherHeads) {
            if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
                throw new OptionException(
                        "--teacher-head", "file " + file + " does not exist or is not readable");
            }
        }
        positive("--teacher-batch", teacherBatch);
        positive("--teacher-latency-ms", teacherLatencyMs);
        positive("--teacher-threads", teacherThreads);
        positive("--teacher-parallelism", teacherParallelism);
        atLeast("--max-tokens", maxTokens, 8);
        positive("--max-chars", maxChars);
        positive("--student-hidden", studentHidden);
        positive("--student-layers", studentLayers);
        positive("--student-heads", studentHeads);
        if (studentHidden % studentHeads != 0) {
            throw new OptionException(
                    "--student-hidden",
                    "must be a multiple of --student-heads ("
                            + studentHeads
                            + "), got "
                            + studentHidden);
        }
        if (studentKernel < 1 || studentKernel % 2 == 0) {
            throw new OptionException(
                    "--student-kernel", "must be odd and at least 1, got " + studentKernel);
        }
        boolean cnn = studentFamily == Choices.StudentFamily.CNN;
        if (studentPretrained != null && studentFamily != Choices.StudentFamily.BERT) {
            throw new OptionException(
                    "--student-pretrained",
                    "pre-trained layers need a bert-family student: add --student-family bert"
                            + " (got "
                            + studentFamily.label()
                            + ")");
        }
        if (gammaOption == null) {
            gamma = cnn ? 0 : 0.2;
        } else {
            gamma = gammaOption;
            if (cnn && gamma > 0) {
                throw new OptionException(
                        "--gamma",
                        "a cnn student (--student-family cnn) has no attention maps to align:"
                                + " leave --gamma out or set it to 0, got "
                                + gamma);
            }
        }
        positive("--student-ffn", studentFfn);
        positive("--student-embed", studentEmbed);
        positive("--batch-size", batchSize);
        if (!(learningRate > 0 && learningRate <= 1)) {
            throw new OptionException("--learning-rate", "must be in (0, 1], got " + learningRate);
        }
        nonNegative("--weight-decay", weightDecay);
        nonNegative("--warmup-steps", warmupSteps);
        atLeast("--cycle-samples", cycleSamples, 0);
        nonNegative("--alpha", alpha);
        nonNegative("--beta", beta);
        nonNegative("--gamma", gamma);
        nonNegative("--hard-weight", hardWeight);
        if (!(temperature > 0)) {
            throw new OptionException("--temperature", "must be > 0, got " + temperature);
        }
        if (!(evalFraction > 0 && evalFraction < 1)) {
            throw new OptionException("--eval-fraction", "must be in (0, 1), got " + evalFraction);
        }
        positive("--eval-window", evalWindow);
        positive("--metrics-every", metricsEvery);
        positive("--max-bad-steps", maxBadSteps);
        publish.validate();
        selection.validate(publish.modelStore != null || publishesByDefault);
        augment.settings();
        routing.settings(student);
        // The job's student shape (the vocabulary, classes and teacher width are the teacher's,
        // known once it is open); each student's settings on it and the job's loss.
        StudentConfig shape =
                new StudentConfig(
                        1,
                        studentEmbed,
                        studentHidden,
                        studentLayers,
                        studentHeads,
                        studentFfn,
                        Math.max(2, maxTokens),
                        2,
                        1,
                        0.1f,
                        seed,
                        studentFamily.family,
                        studentKernel);
        Map<String, TrainerSettings> students =
                routing.perStudent(
                        TrainerSettings.builder(shape)
                                .optLossWeights(
                                        new LossWeights(
                                                alpha, beta, gamma, hardWeight, temperature))
                                .optLearningRate(learningRate)
                                .build(),
                        student);
        if (studentPretrained != null) {
            List<StudentConfig> shapes = new java.util.ArrayList<>(List.of(shape));
            students.values().forEach(one -> shapes.add(one.student()));
            requirePretrainedFits(shapes, 0);
        }
        atLeast("--dedup-window-ms", dedupWindowMs, 0);
        atLeast("--checkpoint-interval-ms", checkpointIntervalMs, 100);
        if (student == null || !student.matches("[A-Za-z0-9._-]+")) {
            throw new OptionException(
                    "--student", "must be letters, digits, '.', '_' or '-', got '" + student + "'");
        }
    }

    public Map<String, Object> kafkaClientConfig(String bootstrap) {
        return kafka.clientConfig(bootstrap);
    }

    public KafkaWiring.KafkaSettings kafkaSettings(String bootstrap, boolean bounded) {
        return KafkaWiring.KafkaSettings.builder(kafkaClientConfig(bootstrap), input.inputs())
                .optMetricsTopic(metricsTopic)
                .optDeadLetterTopic(deadLetterTopic)
                .optControlTopic(controlTopic)
                .optModelsTopic(modelsTopic)
                .optGroupId(groupId)
                .optBounded(bounded)
                .optExactlyOnceTopics(exactlyOnceTopics)
                .build();
    }

    /** The teachers the options name, parsed; an error names --teacher and the problem. */
    public List<TeacherSpec> teacherSpecs() {
        List<TeacherSpec> specs = new ArrayList<>();
        for (String t : teachers) {
            try {
                specs.add(TeacherSpec.parse(t));
            } catch (IllegalArgumentException e) {
                throw new OptionException("--teacher", e.getMessage());
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (TeacherSpec spec : specs) {
            if (!names.add(spec.name())) {
                throw new OptionException(
                        "--teacher",
                        "two teachers are named '" + spec.name() + "'; give one name=...");
            }
        }
        return specs;
    }

    /** The initial fusion weights, one per teacher. */
    public double[] fusionWeights() {
        int n = teachers.size();
        if (teacherWeights == null) {
            double[] w = new double[n];
            java.util.Arrays.fill(w, 1.0);
            return w;
        }
        String[] parts = teacherWeights.split(",");
        if (parts.length != n) {
            throw new OptionException(
                    "--teacher-weights",
                    "needs one weight per --teacher ("
                            + n
                            + "), got "
                            + parts.length
                            + " in '"
                            + teacherWeights
                            + "'");
        }
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            try {
                w[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                w[i] = Double.NaN;
            }
            if (!(w[i] >= 0) || Double.isInfinite(w[i])) {
                throw new OptionException(
                        "--teacher-weights",
                        "weights must be numbers >= 0, got '" + parts[i].trim() + "'");
            }
            sum += w[i];
        }
        if (sum <= 0) {
            throw new OptionException("--teacher-weights", "at least one weight must be > 0");
        }
        return w;
    }

    /** Heads given with --teacher-head, by the teacher name they were fitted for. */
    public Map<String, LinearHead> loadHeads() throws java.io.IOException {
        Map<String, LinearHead> heads = new java.util.LinkedHashMap<>();
        for (String file : teacherHeads) {
            LinearHead h = LinearHead.load(java.nio.file.Path.of(file));
            heads.put(h.encoder, h);
        }
        return heads;
    }

    private int attentionLayers() {
        return gamma > 0 ? studentLayers : 0;
    }

    /**
     * Opens every teacher as the job will run it (attention outputs included), so that a mismatch
     * fails before the job starts with a message naming --teacher; the caller closes them.
     *
     * @param heads one per teacher, null for one with its own classifier
     */
    private List<OnnxTeacher> openProbes(List<LinearHead> heads) {
        List<TeacherSpec> specs = teacherSpecs();
        List<OnnxTeacher> probes = new ArrayList<>();
        try {
            for (int i = 0; i < specs.size(); i++) {
                probes.add(
                        OnnxTeacher.openWithAttention(
                                specs.get(i),
                                heads.get(i),
                                maxTokens,
                                1,
                                i == 0 ? attentionLayers() : 0,
                                attentionHeads == Choices.AttentionHeads.GRAPH));
            }
            return probes;
        } catch (IllegalArgumentException | java.io.IOException e) {
            probes.forEach(OnnxTeacher::close);
            throw new OptionException(
                    "--teacher",
                    e.getMessage()
                            + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
        }
    }

    /** Each teacher's head: given, or null for a teacher with its own classifier; else an error. */
    public List<LinearHead> headsFor(List<TeacherSpec> specs, Map<String, LinearHead> available) {
        List<LinearHead> out = new ArrayList<>();
        for (TeacherSpec spec : specs) {
            LinearHead h = available.get(spec.name());
            if (h == null && !spec.hasOwnClassifier()) {
                throw new OptionException(
                        "--teacher-head",
                        "no head for teacher '"
                                + spec.name()
                                + "'; fit one with 'distill fit-head --teacher "
                                + spec.name()
                                + "' (heads given are for "
                                + available.keySet()
                                + ")");
            }
            out.add(spec.hasOwnClassifier() ? null : h);
        }
        return out;
    }

    /**
     * The job's settings. Opens every teacher as the job will run it, so that a mismatch fails
     * before the job starts with a message naming --teacher; their width, vocabulary, sha256 and
     * attention layer map go into the settings and the student's provenance; closes them again.
     *
     * @param heads one per teacher (null for a teacher with its own classifier)
     */
    public JobSettings jobSettings(
            List<LinearHead> heads, long autoCycleSamples, String exportDir) {
        List<OnnxTeacher> probes = openProbes(heads);
        try {
            return jobSettings(heads, probes, autoCycleSamples, exportDir);
        } finally {
            probes.forEach(OnnxTeacher::close);
        }
    }

    /** The topics of the job and their partition counts ({@code distill.samples} gets two). */
    public Map<String, Integer> topicPartitions() {
        Map<String, Integer> topics = new java.util.LinkedHashMap<>();
        topics.put(input.firstTopic(), 2);
        for (String t : List.of(metricsTopic, deadLetterTopic, controlTopic, modelsTopic)) {
            topics.put(t, 1);
        }
        return topics;
    }

    private JobSettings jobSettings(
            List<LinearHead> heads,
            List<OnnxTeacher> probes,
            long autoCycleSamples,
            String exportDir) {
        List<TeacherSpec> specs = teacherSpecs();
        OnnxTeacher primary = probes.get(0);
        int teacherDim = primary.hiddenSize();
        int vocabSize = primary.vocabSize();
        TeacherSettings t =
                new TeacherSettings(
                        specs,
                        heads,
                        new TeacherSettings.Fusion(
                                fusionWeights(), fusion == Choices.Fusion.LEARNED, fusionHalfLife),
                        new TeacherSettings.Batching(
                                teacherBatch, teacherLatencyMs, teacherBucketing),
                        teacherThreads,
                        maxTokens,
                        student,
                        new TeacherSettings.Attention(
                                attentionLayers(),
                                attentionHeads.mode,
                                attentionTopK,
                                attentionRankAfter));
        Provenance.Builder provenance =
                Provenance.builder()
                        .teacher(
                                primary.name(),
                                primary.sha256(),
                                primary.parameterCount(),
                                primary.attentionLayers());
        if (probes.size() > 1) {
            for (OnnxTeacher p : probes.subList(1, probes.size())) {
                provenance.fusedTeacher(p.name(), p.sha256());
            }
            provenance.option("fusion", fusion.label());
        }
        if (attentionLayers() > 0) {
            provenance.option("attention_heads", attentionHeads.label());
        }
        SampleInputs inputs = input.inputs();
        String version = JobOptions.class.getPackage().getImplementationVersion();
        provenance
                .option("drift_margin", Double.toString(driftMargin))
                .option("attention_length_scale", Integer.toString(attentionLengthScale))
                .option("learning_rate", Double.toString(learningRate))
                .option("batch_size", Integer.toString(batchSize))
                .option("schedule", schedule.label())
                .option("seed", Long.toString(seed))
                .option("student_family", studentFamily.label())
                .option("soft_loss", softLoss.label())
                .option("length_weighting", Double.toString(lengthWeighting))
                .option(
                        "samples_topic",
                        inputs.pattern() != null
                                ? "/" + inputs.pattern() + "/"
                                : String.join(",", inputs.topics()))
                .option("input", inputs.describe())
                .codeVersion(version == null ? "dev" : version);
        StudentConfig sc =
                new StudentConfig(
                        vocabSize,
                        studentEmbed,
                        studentHidden,
                        studentLayers,
                        studentHeads,
                        studentFfn,
                        maxTokens,
                        t.classes().size(),
                        teacherDim,
                        0.1f,
                        seed,
                        studentFamily.family,
                        studentKernel);
        if (studentPretrained != null) {
            requirePretrainedFits(List.of(sc), vocabSize);
        }
        TrainerSettings tr =
                TrainerSettings.builder(sc)
                        .optLossWeights(
                                new LossWeights(alpha, beta, gamma, hardWeight, temperature))
                        .optBatchSize(batchSize)
                        .optLearningRate(learningRate)
                        .optWeightDecay(weightDecay)
                        .optWarmupSteps(warmupSteps)
                        .optCycleSamples(cycleSamples > 0 ? cycleSamples : autoCycleSamples)
                        .optMetricsEverySteps(metricsEvery)
                        .optEvalWindow(evalWindow)
                        .optMaxConsecutiveSkips(maxBadSteps)
                        .optEmbeddingInit(embeddingInit(specs.get(0)))
                        .optProgressive(schedule == Choices.Schedule.PROGRESSIVE)
                        .optProvenance(provenance.build())
                        .optAttentionLengthScale(attentionLengthScale)
                        .optTeacherNames(t.names())
                        .optLossPolicy(lossPolicy.label())
                        .optSoftLoss(softLoss.loss)
                        .optLengthWeighting(lengthWeighting)
                        .optReplay(replayRatio, replayCapacity)
                        .optRestartOnDrift(restartOnDrift)
                        .optThreads(trainerThreads)
                        .optShufflePool(shufflePool)
                        .build();
        tr = tr.toBuilder().optStudents(routing.perStudent(tr, student)).build();
        return JobSettings.builder(t, tr)
                .optEvalFraction(evalFraction)
                .optMaxChars(maxChars)
                .optDeadLetterLongText(longText == Choices.LongText.DEAD_LETTER)
                .optTeacherParallelism(teacherParallelism)
                .optDedupWindowMillis(dedupWindowMs)
                .optExportDir(exportDir)
                .optPublish(publish.settings())
                .optSteering(
                        new io.flinkdistill.pipeline.job.Steering(
                                lossPolicy.label(),
                                driftMargin,
                                benchmarks.settings(primary, t.classes()),
                                metricsEverySeconds,
                                inputDriftThreshold))
                .optSelection(teacherSelection(kafka.bootstrapServers))
                .optAugmentation(augment.settings())
                .optRouting(routing.settings(student))
                .build();
    }

    /**
     * Fails at start-up, naming the option, when the student cannot start from the encoder: its
     * shape here, the teacher's vocabulary ({@code vocabSize > 0}) once the teacher is open.
     */
    private void requirePretrainedFits(List<StudentConfig> shapes, int vocabSize) {
        io.flinkdistill.teacher.EncoderWeights encoder;
        try {
            encoder = io.flinkdistill.teacher.EncoderWeights.open(studentPretrained);
        } catch (java.io.IOException | RuntimeException e) {
            throw new OptionException(
                    "--student-pretrained",
                    "cannot read " + studentPretrained + ": " + e.getMessage());
        }
        try {
            if (vocabSize > 0) {
                io.flinkdistill.training.PretrainedStudent.requireVocabularyFits(
                        vocabSize, encoder, studentPretrained);
            } else {
                for (StudentConfig shape : shapes) {
                    io.flinkdistill.training.PretrainedStudent.requireShapeFits(
                            shape, encoder, studentPretrained);
                }
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new OptionException(
                    "--student-pretrained",
                    e.getMessage()
                            + (vocabSize > 0
                                    ? " (the encoder must share the first teacher's tokenizer)"
                                    : " (set --student-hidden, --student-heads, --student-layers,"
                                            + " --student-ffn, --student-embed and --max-tokens"
                                            + " to fit it)"));
        }
    }

    /**
     * The teacher budget and selection policy; a policy that asks the student reads the models
     * topic from {@code bootstrap} (null: not known yet, see {@link JobSettings#withSelection}).
     */
    public io.flinkdistill.pipeline.job.TeacherSelection teacherSelection(String bootstrap) {
        return selection.settings(
                bootstrap == null ? Map.of() : kafkaClientConfig(bootstrap), modelsTopic);
    }

    /**
     * Exactly-once checkpoints every {@code --checkpoint-interval-ms}, unaligned: under
     * backpressure (a trainer slower than the stream) an aligned barrier waits behind every
     * buffered sample and blocks the control input meanwhile, so commands would wait for the
     * backlog; unaligned barriers overtake the buffered samples (which go into the checkpoint).
     */
    public void enableCheckpointing(
            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env) {
        env.enableCheckpointing(checkpointIntervalMs);
        env.getCheckpointConfig().enableUnalignedCheckpoints();
    }

    /** Fails with an {@link OptionException} naming {@code name} when {@code v < min}. */
    static void atLeastOption(String name, long v, long min) {
        atLeast(name, v, min);
    }

    private static void positive(String name, long v) {
        atLeast(name, v, 1);
    }

    private static void atLeast(String name, long v, long min) {
        if (v < min) {
            throw new OptionException(name, "must be >= " + min + ", got " + v);
        }
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new OptionException(name, "must be a number >= 0, got " + v);
        }
    }

    /** A bad option value; the message names the option. */
    public static final class OptionException extends IllegalArgumentException {
        public OptionException(String option, String problem) {
            super("Invalid option " + option + ": " + problem);
        }
    }
}

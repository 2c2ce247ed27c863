package io.flinkdistill.teacher;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which attention heads of the primary teacher the student's maps average: all of them, or (with
 * {@code --attention-heads top-high/top-low}) the top-k by mean attention entropy, re-ranked as
 * entropy statistics accumulate (first after {@code rankAfterSamples}, then every ten times that).
 * Its statistics and selection are part of the teacher operator's checkpointed knowledge.
 */
final class HeadRanking {
    private static final Logger LOG = LoggerFactory.getLogger(HeadRanking.class);

    private final TeacherSettings.Attention settings;
    private final int[] layers;
    private final AttentionEntropy entropy;
    private HeadSelection selection = HeadSelection.ALL;
    private long nextRankAt = Long.MAX_VALUE;

    /** For a primary teacher exporting {@code layers} with {@code heads} heads each. */
    HeadRanking(TeacherSettings.Attention settings, int[] layers, int heads) {
        this.settings = settings;
        this.layers = layers;
        this.entropy = settings.ranked() ? new AttentionEntropy(layers.length, heads) : null;
    }

    /** Merges one subtask's checkpointed statistics; its selection if newer and it fits. */
    void merge(TeacherKnowledge k) {
        if (entropy == null) {
            return;
        }
        entropy.merge(k.entropy());
        int[][] heads = k.heads();
        boolean fits =
                heads.length == entropy.layers()
                        && Arrays.stream(heads)
                                .flatMapToInt(Arrays::stream)
                                .allMatch(h -> h < entropy.heads());
        if (fits && k.selectionVersion() > selection.version()) {
            selection = new HeadSelection(k.selectionVersion(), heads);
        }
    }

    /** After the restore: when the next ranking is due. */
    void start() {
        nextRankAt =
                entropy == null
                        ? Long.MAX_VALUE
                        : selection.allHeads()
                                ? settings.rankAfterSamples()
                                : entropy.samples() + 10 * settings.rankAfterSamples();
    }

    /** Ranks the heads again when enough samples have been seen since the last time. */
    void maybeRerank() {
        if (entropy == null || entropy.samples() < nextRankAt) {
            return;
        }
        int[][] top =
                entropy.top(
                        settings.topK(),
                        settings.heads() == TeacherSettings.HeadMode.TOP_HIGH
                                ? AttentionEntropy.Rank.HIGH
                                : AttentionEntropy.Rank.LOW);
        if (selection.allHeads() || !Arrays.deepEquals(top, selection.heads())) {
            selection = new HeadSelection(selection.version() + 1, top);
            LOG.info(
                    "Attention heads after {} samples: {} (mean entropy per head {})",
                    entropy.samples(),
                    selection.describe(layers),
                    Arrays.deepToString(entropy.means()));
        }
        nextRankAt = entropy.samples() + 10 * settings.rankAfterSamples();
    }

    /** The entropy statistics inference adds to, or null when heads are not ranked. */
    AttentionEntropy entropy() {
        return entropy;
    }

    HeadSelection selection() {
        return selection;
    }

    /** The statistics as checkpointed (empty when heads are not ranked). */
    double[] entropyArray() {
        return entropy == null ? new double[0] : entropy.toArray();
    }

    /** What the samples' maps average, as a sample records it (empty without attention). */
    String describe() {
        if (layers.length == 0) {
            return "";
        }
        if (settings.heads() == TeacherSettings.HeadMode.GRAPH) {
            return "all heads (in graph)";
        }
        return selection.describe(layers);
    }
}

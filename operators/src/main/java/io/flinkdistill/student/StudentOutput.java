package io.flinkdistill.student;

import ai.djl.ndarray.NDArray;

/**
 * Student forward results for one batch: class logits [B, C] and projected features [B,
 * teacherDim], and each layer's attention probabilities averaged over heads [B, T, T].
 */
public record StudentOutput(
        NDArray logits, NDArray projectedFeatures, java.util.List<NDArray> attentionMaps) {}

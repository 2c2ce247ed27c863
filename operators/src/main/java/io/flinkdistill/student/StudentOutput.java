package io.flinkdistill.student;

import ai.djl.ndarray.NDArray;

/**
 * Student forward results for one batch: class logits [B, C], pooled features projected to the
 * teacher's width [B, teacherDim], each layer's output (hidden states) [B, T, H], and each layer's
 * attention probabilities averaged over heads [B, T, T].
 */
public record StudentOutput(
        NDArray logits,
        NDArray projectedFeatures,
        java.util.List<NDArray> hiddenStates,
        java.util.List<NDArray> attentionMaps) {}

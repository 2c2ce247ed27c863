package io.flinkdistill.student;

import ai.djl.ndarray.NDArray;

/**
 * Student forward results for one batch: class logits [B, C] and projected features [B,
 * teacherDim].
 */
public record StudentOutput(NDArray logits, NDArray projectedFeatures) {}

package io.flinkdistill.training;

/** Loss components of one optimizer step (unweighted components, weighted total). */
public record StepLosses(
        double total,
        double soft,
        double feature,
        double hard,
        double attention,
        double learningRate) {}

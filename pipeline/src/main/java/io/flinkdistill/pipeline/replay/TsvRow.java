package io.flinkdistill.pipeline.replay;

/** One row of a {@code text<TAB>label} file: its 1-based line number, text and label (or null). */
public record TsvRow(int line, String text, String label) {}

package io.flinkdistill.training;

/** Running sums of each loss component since the last metrics record. */
public final class LossTotals {
    public double total;
    public double soft;
    public double feature;
    public double hard;
    public double attention;
    public long steps;
    public long samples;

    void add(StepLosses l, int batch) {
        total += l.total();
        soft += l.soft();
        feature += l.feature();
        hard += l.hard();
        attention += l.attention();
        steps++;
        samples += batch;
    }

    public double mean(double sum) {
        return steps == 0 ? 0 : sum / steps;
    }

    LossTotals copy() {
        LossTotals c = new LossTotals();
        c.total = total;
        c.soft = soft;
        c.feature = feature;
        c.hard = hard;
        c.attention = attention;
        c.steps = steps;
        c.samples = samples;
        return c;
    }

    void reset() {
        total = soft = feature = hard = attention = 0;
        steps = samples = 0;
    }
}

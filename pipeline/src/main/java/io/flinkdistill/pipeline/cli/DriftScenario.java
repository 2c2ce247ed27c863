package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.BenchmarkResult;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.DistillMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The demo's drift scenario ({@code --scenario drift}): the usual stream (SST-2 movie reviews),
 * then, with no shuffling across the boundary, a second domain (Yelp reviews by default) that the
 * teacher keeps labelling with its movie-review head. Both test files are benchmark sets measured
 * with every metrics record, and a frozen copy of the student, taken when it has trained on as many
 * samples as the first domain gave, is measured next to it. This class holds the second domain and
 * turns the metrics records into the report's {@code drift} section.
 *
 * @param name the second domain's benchmark name (the test file's stem, e.g. {@code yelp})
 * @param train its training file, streamed after the first domain
 * @param rows its rows in stream order (shuffled by seed)
 * @param test its test file (a benchmark set, and evaluated at the end)
 */
record DriftScenario(String name, TsvDataset train, List<TsvRow> rows, TsvDataset test) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Points within the teacher's accuracy that count as recovered. */
    static final double RECOVERED_WITHIN = 0.02;

    static DriftScenario load(String name, TsvDataset train, TsvDataset test, long seed) {
        List<TsvRow> rows = new ArrayList<>(train.rows());
        Collections.shuffle(rows, new Random(seed));
        return new DriftScenario(name, train, rows, test);
    }

    /**
     * The report's {@code drift} section from the job's metrics records (one per step, in order).
     *
     * @param shiftOffset samples produced before the first one of the second domain
     * @param frozenAt training samples at which the frozen copy was taken
     * @param firstName the first domain's benchmark name
     * @param shiftTest teacher, student and baseline on the second domain's test file at the end
     * @param commands every control command the job's evaluator sent, in order
     */
    ObjectNode summary(
            List<DistillMetrics> records,
            List<ControlCommand> commands,
            long shiftOffset,
            long frozenAt,
            String firstName,
            TestSetEvaluation shiftTest) {
        ObjectNode d = JSON.createObjectNode();
        d.put("second_domain", name);
        d.put("shift_offset", shiftOffset);
        d.put("second_domain_samples", rows.size());
        d.put("frozen_at_samples_trained", frozenAt);
        // Before the shift: the last record that had not trained past the freeze. The frozen
        // copy, where there is one, is the better reference (the student at the freeze itself);
        // the first record after the freeze has already trained on the second domain.
        DistillMetrics beforeShift = null;
        DistillMetrics last = records.isEmpty() ? null : records.get(records.size() - 1);
        Long recovered = null;
        java.util.Map<Long, Long> samplesAtStep = new java.util.HashMap<>();
        for (DistillMetrics m : records) {
            samplesAtStep.put(m.getStep(), m.getSamplesTrained());
            if (m.getSamplesTrained() < frozenAt) {
                beforeShift = m;
                continue;
            }
            BenchmarkResult second = find(m, name);
            if (recovered == null
                    && second != null
                    && second.getAccuracy()
                            >= second.getTeacherAccuracy() - RECOVERED_WITHIN - 1e-9) {
                recovered = m.getSamplesTrained() - frozenAt;
            }
        }
        ObjectNode detectors = d.putObject("detectors");
        detectors.put(
                "measures",
                "REALIGN commands of each detector, placed at the samples trained of the metrics"
                        + " record they answered: alarms before the freeze (the shift) are false"
                        + " alarms, the delay is from the freeze to the first alarm after it");
        for (String[] detector :
                new String[][] {{"agreement", "drift-"}, {"input", "input-drift-"}}) {
            ObjectNode o = detectors.putObject(detector[0]);
            int before = 0;
            Long delay = null;
            for (ControlCommand c : commands) {
                String id = c.getId();
                if (c.getType() != ControlType.REALIGN || !id.startsWith(detector[1])) {
                    continue;
                }
                Long at = samplesAtStep.get(Long.parseLong(id.substring(id.lastIndexOf('-') + 1)));
                if (at == null) {
                    continue;
                }
                if (at < frozenAt) {
                    before++;
                } else if (delay == null) {
                    delay = at - frozenAt;
                }
            }
            o.put("alarms_before_shift", before);
            if (delay == null) {
                o.putNull("delay_samples");
            } else {
                o.put("delay_samples", delay);
            }
        }
        if (recovered == null) {
            d.putNull("samples_to_recover");
        } else {
            d.put("samples_to_recover", recovered);
        }
        d.put(
                "samples_to_recover_measures",
                "training samples after the shift until the student's accuracy on "
                        + name
                        + " is within "
                        + Math.round(RECOVERED_WITHIN * 100)
                        + " points of the teacher's");
        ObjectNode sets = d.putObject("benchmarks");
        d.put(
                "student_at_shift_measures",
                "the frozen copy (the student when it had trained on "
                        + frozenAt
                        + " samples), or without one the last metrics record before that");
        for (String set : List.of(firstName, name)) {
            ObjectNode o = sets.putObject(set);
            BenchmarkResult end = last == null ? null : find(last, set);
            BenchmarkResult before = beforeShift == null ? null : find(beforeShift, set);
            Double atShift =
                    end != null && end.getFrozenAccuracy() != null
                            ? end.getFrozenAccuracy()
                            : before == null ? null : before.getAccuracy();
            if (atShift != null) {
                o.put("student_at_shift", DemoReport.round(atShift));
            }
            if (end != null) {
                o.put("student_at_end", DemoReport.round(end.getAccuracy()));
                if (end.getFrozenAccuracy() != null) {
                    o.put("frozen_at_end", DemoReport.round(end.getFrozenAccuracy()));
                    o.put(
                            "gain_over_frozen",
                            DemoReport.round(end.getAccuracy() - end.getFrozenAccuracy()));
                }
                o.put("teacher", DemoReport.round(end.getTeacherAccuracy()));
                o.put("agreement_at_end", DemoReport.round(end.getAgreement()));
            }
            if (atShift != null && end != null) {
                o.put("change_since_shift", DemoReport.round(end.getAccuracy() - atShift));
            }
        }
        shiftTest.writeTo(d.putObject("test"), test.file());
        return d;
    }

    private static BenchmarkResult find(DistillMetrics m, String set) {
        for (BenchmarkResult b : m.getBenchmarks()) {
            if (b.getName().equals(set)) {
                return b;
            }
        }
        return null;
    }
}

package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.*;
import java.nio.file.*;
import java.util.*;

public class LearningProbe {
    public static void main(String[] a) throws Exception {
        String model = a[0];
        int nHead = Integer.parseInt(a[1]);
        int nTrain = Integer.parseInt(a[2]);
        List<String[]> train = read("/work/shared/data/sst2/train.tsv");
        List<String[]> test = read("/work/shared/data/sst2/test.tsv");
        Collections.shuffle(train, new Random(7));
        long t0 = System.nanoTime();
        try (OnnxTeacher emb = OnnxTeacher.open(ShippedEncoder.byId(model), null, 128, 2)) {
            System.out.println("params " + emb.parameterCount());
            float[][] x = new float[nHead][];
            int[] y = new int[nHead];
            for (int s = 0; s < nHead; s += 32) {
                List<String> texts = new ArrayList<>();
                for (int i = s; i < Math.min(nHead, s + 32); i++) texts.add(train.get(i)[0]);
                List<TeacherOutput> out = emb.infer(texts);
                for (int i = 0; i < out.size(); i++) {
                    x[s + i] = out.get(i).embedding();
                    y[s + i] = Integer.parseInt(train.get(s + i)[1]);
                }
            }
            System.out.printf("embedded %d in %.1fs%n", nHead, (System.nanoTime() - t0) / 1e9);
            LinearHead head = HeadFitter.defaults().fit(model, List.of("0", "1"), x, y);
            System.out.printf("fitted at %.1fs%n", (System.nanoTime() - t0) / 1e9);
            try (OnnxTeacher teacher = OnnxTeacher.open(ShippedEncoder.byId(model), head, 128, 2)) {
                List<ScoredSample> testS = score(teacher, test, false, true);
                int tc = 0;
                for (ScoredSample s : testS) if (s.teacherClass() == s.label) tc++;
                System.out.printf(
                        "teacher test acc %.4f at %.1fs%n",
                        tc / (double) testS.size(), (System.nanoTime() - t0) / 1e9);
                List<ScoredSample> tr =
                        score(teacher, train.subList(nHead, nHead + nTrain), false, false);
                System.out.printf("scored train at %.1fs%n", (System.nanoTime() - t0) / 1e9);
                StudentConfig sc = StudentConfig.small(30522, 2, teacher.hiddenSize(), 42);
                double lr = Double.parseDouble(a[3]);
                int epochs = Integer.parseInt(a[4]);
                TrainerSettings ts =
                        new TrainerSettings(
                                sc,
                                LossWeights.defaults(),
                                32,
                                lr,
                                0.01,
                                50,
                                (long) nTrain * epochs,
                                1000,
                                1000);
                try (StudentTrainer trainer = new StudentTrainer("s", ts)) {
                    System.out.println("student params " + trainer.model().parameterCount());
                    for (ScoredSample s : testS) {
                        s.eval = true;
                        trainer.accept(s);
                    }
                    long t1 = System.nanoTime();
                    for (int e = 0; e < epochs; e++) {
                        Collections.shuffle(tr, new Random(e));
                        for (ScoredSample s : tr) {
                            StepLosses l = trainer.accept(s);
                            if (l != null && trainer.steps() % 100 == 0) {
                                EvalResult r = trainer.evaluate();
                                System.out.printf(
                                        "step %d loss %.4f soft %.4f feat %.4f lr %.5f | agree %.4f acc %.4f  %.1f samples/s%n",
                                        trainer.steps(),
                                        l.total(),
                                        l.soft(),
                                        l.feature(),
                                        l.learningRate(),
                                        r.agreement(),
                                        r.accuracy(),
                                        trainer.samplesTrained()
                                                / ((System.nanoTime() - t1) / 1e9));
                            }
                        }
                    }
                    EvalResult r = trainer.evaluate();
                    System.out.printf("FINAL agree %.4f acc %.4f%n", r.agreement(), r.accuracy());
                }
            }
        }
    }

    static List<ScoredSample> score(
            OnnxTeacher t, List<String[]> rows, boolean eval, boolean keepLabels) {
        List<ScoredSample> out = new ArrayList<>();
        for (int s = 0; s < rows.size(); s += 32) {
            List<String> texts = new ArrayList<>();
            for (int i = s; i < Math.min(rows.size(), s + 32); i++) texts.add(rows.get(i)[0]);
            List<TeacherOutput> o = t.infer(texts);
            for (int i = 0; i < o.size(); i++) {
                ScoredSample x = new ScoredSample();
                x.id = "" + (s + i);
                x.tokens = o.get(i).tokenIds();
                x.teacherLogits = o.get(i).logits();
                x.teacherFeatures = o.get(i).embedding();
                x.label =
                        keepLabels || (s + i) % 20 == 0 ? Integer.parseInt(rows.get(s + i)[1]) : -1;
                x.eval = eval;
                out.add(x);
            }
        }
        return out;
    }

    static List<String[]> read(String f) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line :
                Files.readAllLines(Path.of(f)).subList(1, Files.readAllLines(Path.of(f)).size()))
            rows.add(line.split("\t"));
        return rows;
    }
}

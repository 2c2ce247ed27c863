package io.flinkdistill.training;

import ai.djl.pytorch.jni.JniUtils;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.publish.Pruning;
import io.flinkdistill.serving.WindowAgreement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The student file a job leaves when its input ends: {@code <dir>/<student>.student}. */
final class FinalStudent {
    private FinalStudent() {}

    /**
     * Writes the trainer's student with the pruning its publication would get, decided on the eval
     * window as for every published version ({@link Pruning}) and recorded in its provenance.
     */
    static Path save(StudentTrainer trainer, Path dir, Pruning pruning) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(trainer.name() + ".student");
        Provenance p = trainer.provenance();
        double threshold = 0;
        if (pruning.mode() != Pruning.Mode.OFF) {
            JniUtils.setGradMode(false);
            threshold =
                    pruning.choose(
                                    trainer.model().config(),
                                    trainer.model().exportWeights(),
                                    p,
                                    WindowAgreement.over(trainer.evalWindow()))
                            .threshold();
        }
        trainer.saveStudent(file, p.toBuilder().pruneThreshold(threshold).build());
        return file;
    }
}

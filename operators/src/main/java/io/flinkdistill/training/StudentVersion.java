package io.flinkdistill.training;

/**
 * A student version the trainer has written out: its name, step, samples learned from, and the file
 * holding its weights. A Flink POJO.
 */
public class StudentVersion {
    public String student;
    public long step;
    public long samplesTrained;
    public String path;

    public StudentVersion() {}

    public StudentVersion(String student, long step, long samplesTrained, String path) {
        this.student = student;
        this.step = step;
        this.samplesTrained = samplesTrained;
        this.path = path;
    }
}

package io.flinkdistill.teacher;

import java.util.ArrayList;
import java.util.List;

/**
 * The teachers one operator subtask uses, primary first, each leased from {@link SharedTeachers}
 * (subtasks in one JVM share a session). The primary exports the attention maps the settings ask
 * for. Closing gives every lease back.
 */
final class OpenTeachers implements AutoCloseable {
    private final List<SharedTeachers.Lease> leases = new ArrayList<>();
    private final List<OnnxTeacher> teachers = new ArrayList<>();

    private OpenTeachers() {}

    /** Opens (or leases) every teacher of the settings; on failure gives back what it took. */
    static OpenTeachers open(TeacherSettings settings) throws Exception {
        OpenTeachers open = new OpenTeachers();
        TeacherSettings.Attention att = settings.attention();
        try {
            for (int i = 0; i < settings.teachers().size(); i++) {
                TeacherSpec spec = settings.teachers().get(i);
                LinearHead head = settings.heads().get(i);
                int layers = i == 0 ? att.studentLayers() : 0;
                boolean inGraph = att.heads() == TeacherSettings.HeadMode.GRAPH;
                SharedTeachers.Opener opener =
                        () ->
                                OnnxTeacher.openWithAttention(
                                        spec,
                                        head,
                                        settings.maxTokens(),
                                        settings.threads(),
                                        layers,
                                        inGraph);
                SharedTeachers.Lease lease =
                        SharedTeachers.acquire(
                                SharedTeachers.key(
                                        spec,
                                        head,
                                        settings.maxTokens(),
                                        settings.threads(),
                                        layers,
                                        inGraph),
                                opener);
                open.leases.add(lease);
                open.teachers.add(lease.teacher());
            }
        } catch (Exception e) {
            open.close();
            throw e;
        }
        return open;
    }

    /** The teachers, primary first. */
    List<OnnxTeacher> teachers() {
        return teachers;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (SharedTeachers.Lease lease : leases) {
            try {
                lease.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        leases.clear();
        teachers.clear();
        if (first != null) {
            throw first;
        }
    }
}

package io.flinkdistill.pipeline.job;

import io.flinkdistill.teacher.TeacherInput;
import org.apache.flink.api.common.functions.MapFunction;

/** Sets the student each sample trains ({@link StudentRouting}); stateless. */
public final class RouteToStudent implements MapFunction<TeacherInput, TeacherInput> {
    private static final long serialVersionUID = 1L;

    private final StudentRouting routing;
    private final String fallback;

    public RouteToStudent(StudentRouting routing, String fallback) {
        this.routing = routing;
        this.fallback = fallback;
    }

    @Override
    public TeacherInput map(TeacherInput in) {
        in.student = routing.route(in.source, fallback);
        return in;
    }
}

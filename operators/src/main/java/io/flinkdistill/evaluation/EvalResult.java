package io.flinkdistill.evaluation;

/**
 * Quality of one student version on an eval window.
 *
 * @param agreement share of samples where student and teacher predict the same class
 * @param accuracy accuracy on the gold-labelled samples, NaN when there are none
 * @param labelled how many samples carried a gold label
 * @param meanKl mean KL(teacher || student) at temperature 1
 * @param ece expected calibration error of the student's confidence against the teacher's class (10
 *     equal-width bins), NaN on an empty window
 */
public record EvalResult(
        int size, double agreement, double accuracy, int labelled, double meanKl, double ece) {}

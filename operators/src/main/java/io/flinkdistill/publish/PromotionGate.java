package io.flinkdistill.publish;

/**
 * Decides whether a student version is published: its eval agreement must beat the last published
 * version's by the margin, on a large enough eval window; or publication was forced.
 */
public final class PromotionGate {
    private PromotionGate() {}

    public static boolean shouldPublish(
            PublishSettings settings,
            double agreement,
            int evalWindow,
            double lastPublishedAgreement,
            boolean force) {
        if (!settings.enabled()) {
            return false;
        }
        if (force) {
            return true;
        }
        return evalWindow >= settings.minEvalWindow()
                && agreement >= lastPublishedAgreement + settings.margin();
    }
}

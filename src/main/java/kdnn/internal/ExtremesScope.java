package kdnn.internal;

import kdnn.layers.ExtremeValues;

/**
 * The treatment of extreme values a model or layer chose for itself, in force on the thread that
 * runs (or plans) it. A mutable per-thread slot rather than a fresh binding per call, so that a
 * steady-state prediction allocates nothing.
 */
public final class ExtremesScope {
    private static final ThreadLocal<ExtremeValues[]> OVERRIDE = ThreadLocal.withInitial(() -> new ExtremeValues[1]);

    private ExtremesScope() {
    }

    /** This thread's override, or null when the process-wide mode applies. */
    public static ExtremeValues current() {
        return OVERRIDE.get()[0];
    }

    /**
     * Puts {@code mode} in force on this thread (null: leave what is in force); returns what to
     * give {@link #exit} afterwards.
     */
    public static ExtremeValues enter(ExtremeValues mode) {
        ExtremeValues[] slot = OVERRIDE.get();
        ExtremeValues previous = slot[0];
        if (mode != null) slot[0] = mode;
        return previous;
    }

    /** Restores what {@link #enter} returned. */
    public static void exit(ExtremeValues previous) {
        OVERRIDE.get()[0] = previous;
    }
}

package kdnn.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts precision changes of any layer: a model's plan stores values between bf16 layers in
 * bf16, so it re-reads its layers' precisions (and plans anew) only after this count moved.
 */
public final class PrecisionChanges {
    private static final AtomicLong COUNT = new AtomicLong();

    private PrecisionChanges() {
    }

    /** Called after a layer's precision changed. */
    public static void changed() {
        COUNT.incrementAndGet();
    }

    /** The number of changes so far. */
    public static long count() {
        return COUNT.get();
    }
}

package kdnn.layers;

import java.util.function.Supplier;

/**
 * A layer's {@link KerasExtremes}, made from its weights on first use after they change: only
 * the KERAS mode reads them, and a large kernel's scan would otherwise cost every load.
 */
final class WeightBounds {
    private final Supplier<KerasExtremes> make;
    private volatile KerasExtremes value;

    WeightBounds(Supplier<KerasExtremes> make) {
        this.make = make;
    }

    void invalidate() {
        value = null;
    }

    KerasExtremes get() {
        KerasExtremes e = value;
        if (e == null) {
            e = make.get();
            value = e;
        }
        return e;
    }
}

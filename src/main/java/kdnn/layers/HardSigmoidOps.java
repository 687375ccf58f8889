package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.DoubleUnaryOperator;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * tf.keras' hard sigmoid as MobileNetV3 writes it, {@code ReLU(6)(x + 3) * (1 / 6)} (the sum and
 * the product read as Rescalings), as one step: a layer the planner makes in place of those three,
 * not a Keras layer (a file never holds it). The same values as the three, every one
 * ({@link Eltwises#hardSigmoid}); in the KERAS mode NaN and the infinities come out as Keras'.
 */
final class HardSigmoidOps extends ElementwiseLayer {
    /** What the layer is called in a plan's errors and traces: no Keras class has the name. */
    static final String CLASS_NAME = "HardSigmoid";

    private final float factor;
    private final boolean plusZero;

    private HardSigmoidOps(Builder b) {
        super(b);
        this.factor = b.factor;
        this.plusZero = b.plusZero;
    }

    static final class Builder extends LayerBuilder<Builder, HardSigmoidOps> {
        private float factor;
        private boolean plusZero;

        Builder() {
            super(CLASS_NAME);
        }

        @Override
        HardSigmoidOps make() {
            return new HardSigmoidOps(this);
        }
    }

    /**
     * The step for the layers ending in {@code name} (the product's name), whose product is by
     * {@code factor} with an offset of +0 ({@code plusZero}) or -0.
     */
    static HardSigmoidOps named(String name, float factor, boolean plusZero) {
        Builder b = new Builder().name(name);
        b.factor = factor;
        b.plusZero = plusZero;
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long count) {
        return Eltwises.hardSigmoid(count, factor, plusZero);
    }

    // Keras: relu6 passes NaN on; x + 3 is x beyond LIMIT, so the clip gives 0 or 6
    @Override
    DoubleUnaryOperator atExtremes() {
        return v -> Double.isNaN(v) ? Double.NaN : (v > 0 ? 6f * factor : 0f) + (plusZero ? 0f : -0f);
    }

    /** relu6's [0, 6] times the factor. */
    @Override
    double bound(double pre) {
        return 6 * Math.abs((double) factor);
    }

    @Override
    public ObjectNode getConfig() {
        return baseConfig();
    }
}

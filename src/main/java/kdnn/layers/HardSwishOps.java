package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * tf.keras' hard swish as its files write it, {@code Multiply([x, ReLU(6)(x + 3) * (1 / 6)])}
 * (MobileNetV3's), as one step: a layer the planner makes in place of those four layers, not a
 * Keras layer (a file never holds it). The same values as the four, every one
 * ({@link Eltwises#hardSwish}).
 */
final class HardSwishOps extends ElementwiseLayer {
    /** What the layer is called in a plan's errors and traces: no Keras class has the name. */
    static final String CLASS_NAME = "HardSwish";

    private HardSwishOps(Builder b) {
        super(b);
    }

    static final class Builder extends LayerBuilder<Builder, HardSwishOps> {
        Builder() {
            super(CLASS_NAME);
        }

        @Override
        HardSwishOps make() {
            return new HardSwishOps(this);
        }
    }

    /** The step for the layers ending in {@code name} (the Multiply's name). */
    static HardSwishOps named(String name) {
        return new Builder().name(name).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long count) {
        return Eltwises.hardSwish(count);
    }

    /** x times a factor in [0, 1], rounded: never larger than |x|. */
    @Override
    double bound(double pre) {
        return pre;
    }

    @Override
    public ObjectNode getConfig() {
        return baseConfig();
    }
}

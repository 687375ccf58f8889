package kdnn.layers;

import java.lang.foreign.MemorySegment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.DoubleUnaryOperator;
import kdnn.Tensor;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Softmaxes;

/**
 * Keras' {@code Activation} layer (named so in Java because {@link Activation} is the function):
 * one of Keras 2's activations on its own. Element-wise ones run as the eltwise primitives the
 * convolutions fuse; softmax and log_softmax as a softmax primitive over the last axis.
 */
public final class ActivationLayer extends ElementwiseLayer {
    /** Keras' class name, {@code "Activation"}. */
    public static final String CLASS_NAME = "Activation";

    private final Activation activation;
    private final KerasExtremes extremes;

    private ActivationLayer(Builder b) {
        super(b);
        this.activation = b.activation;
        this.extremes = activation.fusedKeepsExtremes() ? null
                : new KerasExtremes(activation, DataFormat.CHANNELS_LAST, 1, 0);
    }

    /** Keras' arguments; {@code activation} is required. */
    public static final class Builder extends LayerBuilder<Builder, ActivationLayer> {
        Activation activation;

        Builder(Activation activation) {
            super(CLASS_NAME);
            this.activation = activation;
        }

        @Override
        void validate() {
            if (activation == null) {
                throw new IllegalArgumentException("Activation needs the argument `activation`");
            }
        }

        @Override
        ActivationLayer make() {
            return new ActivationLayer(this);
        }
    }

    /** A builder for an {@code Activation} layer applying {@code activation}. */
    public static Builder builder(Activation activation) {
        return new Builder(activation);
    }

    /** Keras' {@code from_config}. */
    public static ActivationLayer fromConfig(JsonNode config) {
        Builder b = builder(null);
        ConfigReader r = b.readBase(config);
        JsonNode a = r.node("activation");
        // a serialized function may come as {"class_name": name, ...}; null is linear, as in Keras
        b.activation = Activation.parse(a.isNull() ? null : a.isTextual() ? a.asText() : a.path("class_name").asText(a.toString()));
        r.finish();
        return b.build();
    }

    /** Keras' linear activation returns its input as it is (ConvNeXt's identity in place of stochastic depth). */
    @Override
    boolean identityAtInference() {
        return activation == Activation.LINEAR;
    }

    /** The activation the layer applies. */
    public Activation activation() {
        return activation;
    }

    /** Keras' activation layers support masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        // tf-keras' softmax refuses rank 1; log_softmax normalizes the batch axis then
        checkShape(shape, 0);
        if (activation == Activation.SOFTMAX && shape.length < 2) {
            throw new IllegalArgumentException("Cannot apply softmax to a tensor that is 1D. Received input shape "
                    + Shapes.format(shape) + " (layer \"" + name() + "\")");
        }
        return shape.clone();
    }

    @Override
    boolean mixesSamples(java.util.List<long[]> inputShapes) {
        return activation.isVector() && inputShapes.get(0).length < 2;
    }

    @Override
    boolean elementwise() {
        return !activation.isVector();
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (activation.isSoftmax()) {
            return Softmaxes.softmax(inputShape, new int[] {inputShape.length - 1}, activation == Activation.LOG_SOFTMAX);
        }
        if (activation.isVector()) {
            return Eltwises.chain(count(inputShape), activation.postOps(),
                    activation.javaStep(inputShape[inputShape.length - 1], 1));
        }
        return pipeline(count(inputShape));
    }

    @Override
    Pipeline pipeline(long count) {
        return Eltwises.chain(count, activation.postOps(), activation.javaStep(1, 1));
    }

    @Override
    DoubleUnaryOperator atExtremes() {
        return extremes == null ? null : activation::atExtreme;
    }

    @Override
    KerasExtremes kerasExtremes() {
        return extremes;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        // softmax runs on Keras' row-major layout, so its vectors are the last axis, stride 1
        extremes.patch(output, input, outputShape, false);
    }

    @Override
    double bound(double pre) {
        return activation.bound(pre);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("activation", activation.kerasName());
        return c;
    }
}

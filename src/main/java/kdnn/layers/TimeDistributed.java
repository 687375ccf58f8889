package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code TimeDistributed}: its layer applied to every step of the second axis, e.g. a
 * Conv2D on each frame of a video {@code (batch, time, height, width, channels)}. As Keras does,
 * the batch and time axes are folded into one ({@code (batch * time, ...)}, the same bytes), the
 * layer runs once on that, and its output is seen with the two axes again. The wrapped layer
 * (its weights, which are the wrapper's) belongs to the wrapper and closes with it.
 */
public final class TimeDistributed extends Wrapper {
    /** Keras' class name, {@code "TimeDistributed"}. */
    public static final String CLASS_NAME = "TimeDistributed";

    private TimeDistributed(Builder b) {
        super(b.name, b.batchInputShape, b.trainable, b.layer);
    }

    /** Keras' argument {@code layer} (required): the layer applied to each step. */
    public static final class Builder extends LayerBuilder<Builder, TimeDistributed> {
        Layer layer;

        Builder() {
            super(CLASS_NAME);
        }

        /** The layer applied to each step; the wrapper takes it over (it closes with the wrapper). */
        public Builder layer(Layer l) { this.layer = l; return this; }

        @Override
        void validate() {
            if (layer == null) {
                throw new IllegalArgumentException("TimeDistributed needs the argument `layer`");
            }
            if (layer instanceof Merge || layer instanceof InputLayer || layer instanceof TimeDistributed
                    || layer instanceof KerasOperation) {
                throw new IllegalArgumentException("Please initialize `TimeDistributed` layer with a single-input Keras"
                        + " layer of kdnn's (not " + layer.className() + "). Received: " + layer);
            }
            if (layer.isBuilt()) {
                throw new IllegalArgumentException("TimeDistributed: its layer \"" + layer.name() + "\" is already built;"
                        + " the wrapper builds it for the folded shape");
            }
        }

        @Override
        TimeDistributed make() {
            return new TimeDistributed(this);
        }
    }

    /** A builder; the wrapped layer must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code layer} a serialized layer, read with the same Keras version's rules. */
    public static TimeDistributed fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode inner = r.node("layer");
        r.finish();
        if (!inner.isNull()) b.layer = Layers.fromConfig(inner, Layers.readingVersion());
        try {
            return b.build();
        } catch (RuntimeException e) {
            if (b.layer != null) b.layer.close();
            throw e;
        }
    }

    /** Keras' TimeDistributed supports masking: the output carries the input's (batch, steps) mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** (batch, time, rest...) as (batch * time, rest...): -1 where either is unknown. */
    private static long[] folded(long[] shape) {
        long[] f = new long[shape.length - 1];
        f[0] = shape[0] < 0 || shape[1] < 0 ? -1 : shape[0] * shape[1];
        System.arraycopy(shape, 2, f, 1, shape.length - 2);
        return f;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 3) {
            throw new IllegalArgumentException("`TimeDistributed` Layer should be passed an `input_shape` with at least 3"
                    + " dimensions, received: " + Shapes.format(shape));
        }
        long[] inner = layer.computeOutputShape(folded(shape));
        long[] out = new long[inner.length + 1];
        out[0] = shape[0];
        out[1] = shape[1];
        System.arraycopy(inner, 1, out, 2, inner.length - 1);
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        layer.build(folded(inputShape));
        variables.addAll(layer.variables); // the wrapped layer's weights are the wrapper's (get/set_weights)
    }

    @Override
    long work(long[] inputShape) {
        return layer.work(folded(inputShape));
    }

    @Override
    boolean mixesSamples(List<long[]> inputShapes) {
        return layer.mixesSamples(List.of(folded(inputShapes.get(0))));
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        layer.restoreKerasExtremes(folded(inputShape), input, output, folded(outputShape), variant, threads);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return layer.pipeline(folded(inputShape), variant);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("layer", Bidirectional.serialized((ObjectNode) Layers.toConfig(layer))); // with its module, as tf.keras 2.13+
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code Masking}: a step (a position of every axis but the last) whose features all equal
 * {@code mask_value} is masked: its output is zeros ({@code x * 0}, as Keras multiplies by the
 * mask) and, in a model, the mask Keras attaches to the output ({@code any(x != mask_value,
 * axis=-1)}) is carried to the recurrent layers and GlobalAveragePooling1D after it. A NaN
 * feature differs from every mask value. In Java: one comparison per value.
 */
public final class Masking extends Layer {
    /** Keras' class name, {@code "Masking"}. */
    public static final String CLASS_NAME = "Masking";

    private final float maskValue;

    private Masking(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.maskValue = b.maskValue;
    }

    /** Keras' arguments: {@code mask_value} (default 0.0). */
    public static final class Builder extends LayerBuilder<Builder, Masking> {
        float maskValue;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code mask_value}: the value that marks a masked step. */
        public Builder maskValue(float v) { this.maskValue = v; return this; }

        @Override
        Masking make() {
            return new Masking(this);
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static Masking fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode v = r.node("mask_value");
        if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad("mask_value", v, "a number");
        b.maskValue = v.isNull() ? 0f : v.floatValue();
        r.finish();
        return b.build();
    }

    /** Keras' {@code mask_value}. */
    public float maskValue() {
        ensureOpen();
        return maskValue;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 2) throw incompatible(shape, "expected min_ndim=2, found ndim=" + shape.length);
        if (shape[shape.length - 1] <= 0) throw incompatible(shape, "the last axis must have a known length");
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        MaskLayer m = hidden("mask", () -> MaskLayer.anyNotEqual(name(), maskValue));
        return new kdnn.internal.MaskUse(kdnn.internal.MaskUse.Kind.MAKES, m);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long width = inputShape[inputShape.length - 1];
        long rows = Shapes.product(inputShape) / width;
        return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> mask(in, out, rows, width))
                .build();
    }

    private void mask(MemorySegment in, MemorySegment out, long rows, long width) {
        for (long r = 0; r < rows; r++) {
            boolean keep = false;
            for (long f = 0; f < width && !keep; f++) keep = !(in.getAtIndex(ValueLayout.JAVA_FLOAT, r * width + f) == maskValue);
            float m = keep ? 1f : 0f;
            for (long f = 0; f < width; f++) {
                long i = r * width + f;
                out.setAtIndex(ValueLayout.JAVA_FLOAT, i, in.getAtIndex(ValueLayout.JAVA_FLOAT, i) * m);
            }
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("mask_value", (double) maskValue);
        return c;
    }
}

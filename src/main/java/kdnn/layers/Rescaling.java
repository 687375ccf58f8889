package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Broadcasts;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * Keras' Rescaling: {@code x * scale + offset} in float32, rounded after the product and after
 * the sum as TensorFlow computes it (two oneDNN steps, not one fused multiply-add). {@code scale}
 * and {@code offset} are numbers or lists broadcast against the last axis (as Keras 3's
 * EfficientNet divides each channel by its own standard deviation).
 */
public final class Rescaling extends ElementwiseLayer {
    /** Keras' class name, {@code "Rescaling"}. */
    public static final String CLASS_NAME = "Rescaling";

    private final double[] scale; // as given (one value for a number); computed with as float32, as TensorFlow casts it
    private final double[] offset;
    private final boolean scaleIsList;
    private final boolean offsetIsList;
    private final MemorySegment operands; // the float32 scale, then offset, read by list-form pipelines

    private Rescaling(Builder b) {
        super(b);
        this.scale = b.scale.clone();
        this.offset = b.offset.clone();
        this.scaleIsList = b.scaleIsList;
        this.offsetIsList = b.offsetIsList;
        this.operands = arena.allocate((long) (scale.length + offset.length) * Float.BYTES, 64);
        for (int i = 0; i < scale.length; i++) operands.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) scale[i]);
        for (int i = 0; i < offset.length; i++) operands.setAtIndex(ValueLayout.JAVA_FLOAT, scale.length + i, (float) offset[i]);
    }

    /** Keras' arguments: {@code scale} (required) and {@code offset} (default 0). */
    public static final class Builder extends LayerBuilder<Builder, Rescaling> {
        double[] scale;
        double[] offset = {0};
        boolean scaleIsList;
        boolean offsetIsList;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code scale} argument: one number. */
        public Builder scale(double scale) { this.scale = new double[] {scale}; this.scaleIsList = false; return this; }

        /** Keras' {@code scale} argument: one number per position of the last axis. */
        public Builder scale(double... scale) { this.scale = scale.clone(); this.scaleIsList = true; return this; }

        /** Keras' {@code offset} argument: one number. */
        public Builder offset(double offset) { this.offset = new double[] {offset}; this.offsetIsList = false; return this; }

        /** Keras' {@code offset} argument: one number per position of the last axis. */
        public Builder offset(double... offset) { this.offset = offset.clone(); this.offsetIsList = true; return this; }

        @Override
        void validate() {
            if (scale == null) {
                throw new IllegalArgumentException("Rescaling.__init__() missing 1 required positional argument: 'scale'");
            }
            if (scale.length == 0 || offset.length == 0) {
                throw new IllegalArgumentException("Rescaling `scale` and `offset` must hold at least one value");
            }
        }

        @Override
        Rescaling make() {
            return new Rescaling(this);
        }
    }

    /** A builder; {@code scale} must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code scale} and {@code offset} each a number or a list of numbers. */
    public static Rescaling fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode scale = r.node("scale");
        if (!scale.isNull()) {
            b.scale = ConfigReader.numberOrList(CLASS_NAME, "scale", scale);
            b.scaleIsList = scale.isArray();
        }
        JsonNode offset = r.node("offset");
        if (!offset.isNull()) {
            b.offset = ConfigReader.numberOrList(CLASS_NAME, "offset", offset);
            b.offsetIsList = offset.isArray();
        }
        r.finish();
        return b.build();
    }

    /** Keras' {@code scale} argument: one value, or one per position of the last axis. */
    public double[] scale() {
        ensureOpen();
        return scale.clone();
    }

    /** Keras' {@code offset} argument: one value, or one per position of the last axis. */
    public double[] offset() {
        ensureOpen();
        return offset.clone();
    }

    private boolean scalar() {
        return scale.length == 1 && offset.length == 1;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        long[] out = super.computeOutputShape(shape);
        long last = shape[shape.length - 1];
        for (double[] v : new double[][] {scale, offset}) {
            if (v.length != 1 && last >= 0 && v.length != last) {
                throw incompatible(shape, "its last axis has " + last + " positions, but Rescaling's scale or offset"
                        + " holds " + v.length + " values");
            }
        }
        return out;
    }

    /** A list form broadcasts against the last axis of the tensor as Keras sees it: no other memory order. */
    @Override
    boolean elementwise() {
        return scalar();
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (scalar()) {
            return pipeline(count(inputShape));
        }
        long[] scaleDims = lastAxisDims(inputShape.length, scale.length);
        long[] offsetDims = lastAxisDims(inputShape.length, offset.length);
        Broadcasts.Operand product = new Broadcasts.Operand(dnnl_binary_mul(), scaleDims,
                operands.asSlice(0, (long) scale.length * Float.BYTES));
        return Broadcasts.chain(inputShape, addsNothing() ? List.of(product) : List.of(product,
                new Broadcasts.Operand(dnnl_binary_add(), offsetDims,
                        operands.asSlice((long) scale.length * Float.BYTES, (long) offset.length * Float.BYTES))));
    }

    /** Keras 3's Rescaling supports masking (the output carries the input's mask); tf.keras' does not. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3 ? kdnn.internal.MaskUse.PASSES
                : kdnn.internal.MaskUse.DROPS;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long count) {
        // oneDNN's linear is a fused multiply-add, so the product alone adds -0.0 (which keeps a
        // zero's sign) to it; a scale of 1 (tf.keras' x + c) changes no value: the sum alone. Both:
        // the product rounded before the sum, as TensorFlow's separate multiply and add round it
        if (addsNothing()) return Eltwises.chain(count, List.of(new Eltwise(dnnl_eltwise_linear(), (float) scale[0], -0f)), null);
        if (scale[0] == 1) return Eltwises.chain(count, List.of(new Eltwise(dnnl_eltwise_linear(), 1f, (float) offset[0])), null);
        return Eltwises.scaleThenAdd(count, (float) scale[0], (float) offset[0]);
    }

    /**
     * An offset of -0.0, which leaves every value as it is (y + -0.0 is y, -0.0 included): what kdnn
     * reads tf.math.multiply by a constant as, TensorFlow's plain product. An offset of +0.0 is Keras'
     * own default and turns a product of -0.0 into +0.0, as TensorFlow's sum does.
     */
    private boolean addsNothing() {
        return offset.length == 1 && Double.doubleToRawLongBits(offset[0]) == Double.doubleToRawLongBits(-0.0);
    }

    @Override
    double bound(double pre) {
        double s = 0;
        double o = 0;
        for (double v : scale) s = Math.max(s, Math.abs(v));
        for (double v : offset) o = Math.max(o, Math.abs(v));
        return (pre * s + o) * (1 + 0x1p-22);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        put(c, "scale", scale, scaleIsList);
        put(c, "offset", offset, offsetIsList);
        return c;
    }

    private static void put(ObjectNode c, String key, double[] v, boolean list) {
        if (!list) {
            c.put(key, v[0]);
            return;
        }
        com.fasterxml.jackson.databind.node.ArrayNode a = c.putArray(key);
        for (double x : v) a.add(x);
    }
}

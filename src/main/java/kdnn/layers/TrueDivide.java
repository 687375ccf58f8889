package kdnn.layers;

import static kdnn.bindings.dnnl_h.dnnl_binary_div;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Broadcasts;
import kdnn.runtime.Pipeline;

/**
 * {@code x / y} by a constant {@code y} in float32, rounded once as TensorFlow's division rounds:
 * what tf.keras' {@code tf.math.truediv} TFOpLambda and Keras 3's {@code keras.ops.true_divide}
 * (a Keras tensor's {@code /}) compute, e.g. {@code inputs / 127.5} in the preprocessing of
 * MobileNet-style models. {@code y} is a number or a list broadcast against the last axis (one
 * divisor per channel). Multiplying by {@code 1 / y} would round differently for most divisors,
 * so this is one oneDNN binary division. Keras has no layer for it: a file keeps the form it came
 * in (tf.keras writes a TFOpLambda, Keras 3 the operation), so TF.js, whose Keras has neither,
 * cannot hold it.
 */
public final class TrueDivide extends ElementwiseLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "TrueDivide"}. */
    public static final String CLASS_NAME = "TrueDivide";

    private final LastAxisConstant divisor;
    private final MemorySegment operand; // the float32 divisors

    private TrueDivide(Builder b) {
        super(b);
        this.divisor = new LastAxisConstant(b.divisor, b.divisorIsList);
        double[] y = divisor.values();
        this.operand = arena.allocate((long) y.length * Float.BYTES, 64);
        for (int i = 0; i < y.length; i++) operand.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) y[i]);
    }

    /** The divisor {@code y}: one number, or one per position of the last axis (required). */
    public static final class Builder extends LayerBuilder<Builder, TrueDivide> {
        double[] divisor;
        boolean divisorIsList;

        Builder() {
            super(CLASS_NAME);
        }

        /** One divisor for every value. */
        public Builder divisor(double y) { this.divisor = new double[] {y}; this.divisorIsList = false; return this; }

        /** One divisor per position of the last axis. */
        public Builder divisor(double... y) { this.divisor = y.clone(); this.divisorIsList = true; return this; }

        @Override
        void validate() {
            if (divisor == null) {
                throw new IllegalArgumentException("TrueDivide needs a divisor `y`: a number or a list of numbers");
            }
            if (divisor.length == 0) {
                throw new IllegalArgumentException("TrueDivide `y` must hold at least one value. Received: y=[]");
            }
        }

        @Override
        TrueDivide make() {
            return new TrueDivide(this);
        }
    }

    /** A builder; the divisor must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** From kdnn's config form: {@code y} a number or a list of numbers. */
    public static TrueDivide fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode y = r.node("y");
        if (!y.isNull()) {
            LastAxisConstant c = LastAxisConstant.read(CLASS_NAME, "y", y);
            b.divisor = c.values();
            b.divisorIsList = c.isList();
        }
        r.finish();
        return b.build();
    }

    /** The divisor: one value, or one per position of the last axis. */
    public double[] divisor() {
        ensureOpen();
        return divisor.values();
    }

    /** True when the divisor was given as a list (kept so in the config, as Keras keeps it). */
    public boolean divisorIsList() {
        ensureOpen();
        return divisor.isList();
    }

    @Override
    public String tfFunction() {
        return "math.truediv";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        long[] out = super.computeOutputShape(shape);
        divisor.check(this, shape, "the divisor y");
        return out;
    }

    /** A list broadcasts against the last axis as Keras sees it: no other memory order. */
    @Override
    boolean elementwise() {
        return divisor.single();
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (divisor.single()) return pipeline(count(inputShape));
        return Broadcasts.chain(inputShape, List.of(new Broadcasts.Operand(dnnl_binary_div(),
                lastAxisDims(inputShape.length, divisor.values().length), operand)));
    }

    @Override
    Pipeline pipeline(long count) {
        return Broadcasts.chain(new long[] {count}, List.of(new Broadcasts.Operand(dnnl_binary_div(), new long[] {1},
                operand)));
    }

    @Override
    double bound(double pre) {
        double smallest = Double.POSITIVE_INFINITY;
        for (double y : divisor.values()) smallest = Math.min(smallest, Math.abs((float) y));
        if (!(smallest > 0)) return Double.NaN; // a zero (or NaN) divisor: no bound
        return pre / smallest * (1 + 0x1p-22);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        divisor.write(c, "y");
        return c;
    }
}

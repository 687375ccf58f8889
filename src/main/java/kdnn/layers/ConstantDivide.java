package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * {@code x / y} with a constant {@code x} and the tensor {@code y}, in float32, rounded once: what
 * tf.keras saves as the TFOpLambda of {@code 1.0 / t} ({@code tf.math.truediv} with a constant
 * first) and Keras 3 as its {@code TrueDivide} operation with a constant first argument, e.g. a
 * hand-written {@code 1 / (1 + exp(-t))}. {@code x} is a number or a list broadcast against the
 * last axis. Its class name is the operation's, {@code TrueDivide}; the config's {@code x} tells it
 * from {@link TrueDivide} (config {@code y}) and {@link TensorDivide}. oneDNN has no division of a
 * constant by a tensor, so this is a Java loop (one thread). A file keeps the operation's form.
 */
public final class ConstantDivide extends ElementwiseLayer implements KerasOperation {
    private final LastAxisConstant numerator;

    private ConstantDivide(Builder b) {
        super(b);
        this.numerator = new LastAxisConstant(b.numerator, b.numeratorIsList);
    }

    /** The numerator {@code x}: one number, or one per position of the last axis (required). */
    public static final class Builder extends LayerBuilder<Builder, ConstantDivide> {
        double[] numerator;
        boolean numeratorIsList;

        Builder() {
            super(TrueDivide.CLASS_NAME);
        }

        /** One numerator for every value. */
        public Builder numerator(double x) { this.numerator = new double[] {x}; this.numeratorIsList = false; return this; }

        /** One numerator per position of the last axis. */
        public Builder numerator(double... x) { this.numerator = x.clone(); this.numeratorIsList = true; return this; }

        @Override
        void validate() {
            if (numerator == null || numerator.length == 0) {
                throw new IllegalArgumentException("TrueDivide of a constant needs the numerator `x`: a number or a"
                        + " non-empty list of numbers");
            }
        }

        @Override
        ConstantDivide make() {
            return new ConstantDivide(this);
        }
    }

    /** A builder; the numerator must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** From kdnn's config form: {@code x} a number or a list of numbers. */
    public static ConstantDivide fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode x = r.node("x");
        if (!x.isNull()) {
            LastAxisConstant c = LastAxisConstant.read(TrueDivide.CLASS_NAME, "x", x);
            b.numerator = c.values();
            b.numeratorIsList = c.isList();
        }
        r.finish();
        return b.build();
    }

    /** The numerator: one value, or one per position of the last axis. */
    public double[] numerator() {
        ensureOpen();
        return numerator.values();
    }

    @Override
    public String tfFunction() {
        return "math.truediv";
    }

    @Override
    public String className() {
        return TrueDivide.CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        long[] out = super.computeOutputShape(shape);
        numerator.check(this, shape, "the numerator x");
        return out;
    }

    /** A list broadcasts against the last axis as Keras sees it: no other memory order. */
    @Override
    boolean elementwise() {
        return numerator.single();
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return pipeline(count(inputShape));
    }

    @Override
    Pipeline pipeline(long count) {
        double[] values = numerator.values();
        float[] x = new float[values.length];
        for (int i = 0; i < x.length; i++) x[i] = (float) values[i];
        return Eltwises.chain(count, List.of(), null, (in, out) -> divide(x, in, out, count));
    }

    private static void divide(float[] x, MemorySegment in, MemorySegment out, long count) {
        int n = x.length;
        for (long i = 0; i < count; i++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, x[(int) (i % n)] / in.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }

    @Override
    double bound(double pre) {
        return Double.NaN; // near 0 the quotient grows without bound
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        numerator.write(c, "x");
        return c;
    }
}

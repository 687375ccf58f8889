package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import kdnn.Tensor;
import kdnn.runtime.MemoryDesc;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Softmaxes;

/**
 * Keras' Softmax layer: softmax over {@code axis} (counted with the batch axis, negative from the
 * end), or over several axes at once when {@code axis} is a list (Keras then computes
 * {@code exp(x - logsumexp(x, axes))}). One oneDNN softmax; Keras' values where an input is NaN or
 * infinite are written after (see {@link #restoreKerasExtremes}).
 */
public final class Softmax extends Layer {
    /** Keras' class name, {@code "Softmax"}. */
    public static final String CLASS_NAME = "Softmax";

    private final int[] axes;
    private final boolean list;

    private Softmax(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axes = b.axes.clone();
        this.list = b.list;
    }

    /** Keras' argument and default: axis -1. */
    public static final class Builder extends LayerBuilder<Builder, Softmax> {
        int[] axes = {-1};
        boolean list;

        Builder() {
            super(CLASS_NAME);
        }

        /** One axis, or several (a list in the config: one softmax over all of them). */
        public Builder axis(int... axes) {
            this.axes = axes.clone();
            this.list = axes.length != 1;
            return this;
        }

        @Override
        void validate() {
            if (axes.length == 0) {
                throw new IllegalArgumentException("Invalid value for argument `axis` of Softmax: expected an int or a"
                        + " non-empty list of ints. Received: axis=[]");
            }
        }

        @Override
        Softmax make() {
            return new Softmax(this);
        }
    }

    /** A builder with Keras' default arguments (axis -1). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code axis} an int or a list of ints. */
    public static Softmax fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode a = r.node("axis");
        if (a.isArray()) {
            b.axes = ConfigReader.tuple("axis", a, a.size());
            b.list = true;
        } else if (!a.isNull()) {
            b.axes = new int[] {ConfigReader.toInt("axis", a)};
        }
        r.finish();
        return b.build();
    }

    /**
     * Keras' Softmax adds {@code (1 - mask) * -1e9} to its input, the (batch, steps) mask broadcast
     * against the input's last axes, which kdnn does not: a mask reaching it is refused.
     */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        if (inputMasked.length > 0 && inputMasked[0]) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (Softmax) is given a mask: Keras adds it to the"
                    + " input as (1 - mask) * -1e9 before the softmax, which kdnn does not");
        }
        return kdnn.internal.MaskUse.DROPS;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The axes in [0, rank), sorted; refuses ones out of range or repeated. */
    private int[] resolved(long[] shape) {
        int rank = shape.length;
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            if (axes[i] < -rank || axes[i] >= rank) {
                throw incompatible(shape, "`axis` " + (list ? Shapes.format(axes) : Integer.toString(axes[i]))
                        + " is out of range: expected an axis in [" + -rank + ", " + rank + ") for a "
                        + rank + "D input");
            }
            r[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
        }
        Arrays.sort(r);
        for (int i = 1; i < r.length; i++) {
            if (r[i] == r[i - 1]) {
                throw incompatible(shape, "`axis` " + Shapes.format(axes) + " names axis " + r[i] + " twice");
            }
        }
        return r;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 1) {
            throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        resolved(shape);
        return shape.clone();
    }

    @Override
    boolean mixesSamples(java.util.List<long[]> inputShapes) {
        return resolved(inputShapes.get(0))[0] == 0;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int[] over = resolved(inputShape);
        if (!list || over.length == 1) {
            return Softmaxes.softmax(inputShape, over, false);
        }
        long[] strides = MemoryDesc.rowMajorStrides(inputShape);
        long[] members = offsets(inputShape, strides, over, true);
        long[] groups = offsets(inputShape, strides, over, false);
        return Softmaxes.softmax(inputShape, over, false, (x, y) -> roundLogSumExpAsKeras(x, y, members, groups));
    }

    /**
     * Keras computes several axes' softmax as {@code exp(x - logsumexp(x))} in float32, and its
     * logsumexp, {@code log(sum(exp(x - max))) + max}, rounds to float32 at the max's magnitude:
     * for large values that moves every output (two values of 1e5 give 0.49892 each, two of 2e30
     * give 1 each), where oneDNN's softmax gives the exact 0.5. Each group whose rounded logsumexp
     * departs from the exact one by more than float32's noise is recomputed so; groups holding NaN
     * or +Inf, or only -Inf, are left to {@link #restoreKerasExtremes}.
     */
    private static void roundLogSumExpAsKeras(MemorySegment x, MemorySegment y, long[] members, long[] groups) {
        for (long g : groups) {
            float max = Float.NEGATIVE_INFINITY;
            long at = -1;
            boolean finite = true; // no NaN, no +Inf
            for (long m : members) {
                float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, g + m);
                finite &= v < Float.POSITIVE_INFINITY; // NaN or +Inf: -Inf only adds nothing
                if (v > max) {
                    max = v;
                    at = m;
                }
            }
            float top = at < 0 ? 0 : y.getAtIndex(ValueLayout.JAVA_FLOAT, g + at);
            if (!finite || !(top > 0)) {
                continue;
            }
            // the max's output is 1 / sum(exp(x - max))
            double logSum = -Math.log(top);
            float keras = (float) logSum + max;
            // the rounding, exact in double: keras - max is a difference of two nearby floats
            if (Math.abs((double) keras - max - logSum) <= 0x1p-22) {
                continue;
            }
            for (long m : members) {
                float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, g + m);
                y.setAtIndex(ValueLayout.JAVA_FLOAT, g + m, (float) Math.exp(v - keras));
            }
        }
    }

    @Override
    KerasExtremes kerasExtremes() {
        return KerasExtremes.MOVES_VALUES;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound < Double.POSITIVE_INFINITY ? 1 : inputBound;
    }

    /**
     * Keras' values for each softmax group holding NaN or an infinity (finite groups are oneDNN's).
     * One axis (tf.nn.softmax, {@code x - max}): NaN, +Inf, or nothing but -Inf make the whole group
     * NaN. Several axes ({@code exp(x - logsumexp)}, the shift 0 when the max is not finite): NaN
     * makes the group NaN; else +Inf gives NaN at +Inf and 0 elsewhere; nothing but -Inf is NaN.
     */
    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        int[] over = resolved(outputShape);
        long[] strides = MemoryDesc.rowMajorStrides(outputShape);
        // the offsets of one group's members, and of each group's first member
        long[] members = offsets(outputShape, strides, over, true);
        long[] groups = offsets(outputShape, strides, over, false);
        MemorySegment x = input;
        MemorySegment y = output;
        boolean logsumexp = list && over.length > 1;
        for (long g : groups) {
            boolean nan = false;
            boolean posInf = false;
            boolean finite = false;
            for (long m : members) {
                float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, g + m);
                nan |= Float.isNaN(v);
                posInf |= v == Float.POSITIVE_INFINITY;
                finite |= Float.isFinite(v);
            }
            if (!nan && !posInf && finite) {
                continue;
            }
            for (long m : members) {
                float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, g + m);
                float keras = nan || !finite && !posInf || !logsumexp ? Float.NaN
                        : v == Float.POSITIVE_INFINITY ? Float.NaN : 0f;
                y.setAtIndex(ValueLayout.JAVA_FLOAT, g + m, keras);
            }
        }
    }

    /** Offsets of every index over the axes in {@code over} ({@code inside}) or over the others, the rest 0. */
    private static long[] offsets(long[] shape, long[] strides, int[] over, boolean inside) {
        int rank = shape.length;
        long count = 1;
        for (int a = 0; a < rank; a++) {
            if ((Arrays.binarySearch(over, a) >= 0) == inside) count *= shape[a];
        }
        long[] out = new long[Math.toIntExact(count)];
        for (long i = 0; i < count; i++) {
            long rest = i;
            long offset = 0;
            for (int a = rank - 1; a >= 0; a--) {
                if ((Arrays.binarySearch(over, a) >= 0) != inside) continue;
                offset += rest % shape[a] * strides[a];
                rest /= shape[a];
            }
            out[(int) i] = offset;
        }
        return out;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (list) {
            ArrayNode a = c.putArray("axis");
            for (int x : axes) a.add(x);
        } else {
            c.put("axis", axes[0]);
        }
        return c;
    }
}

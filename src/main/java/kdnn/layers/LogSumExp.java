package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.keras.Axes;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * {@code log(sum(exp(x)))} over some axes, as TensorFlow's {@code reduce_logsumexp} computes it: the maximum of
 * each slice taken out first where it is finite (else 0), {@code log(sum(exp(x - max))) + max}, in float32. So
 * large values do not overflow, a slice of -inf gives -inf, one holding +inf gives +inf and one holding NaN NaN.
 * What tf.keras saves as the TFOpLambda of {@code tf.math.reduce_logsumexp} and Keras 3 as its {@code Logsumexp}
 * operation (Keras 3's TensorFlow backend calls the same function). The axes count the batch axis as TensorFlow
 * counts them; reducing over it (or over every axis) would mix a call's samples and is refused. In Java over the
 * OpenMP team, one output value a time.
 */
public final class LogSumExp extends Layer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Logsumexp"}. */
    public static final String CLASS_NAME = "Logsumexp";

    private final Axes axis;
    private final boolean keepdims;

    private LogSumExp(String name, long[] batchInputShape, boolean trainable, Axes axis, boolean keepdims) {
        super(name, batchInputShape, trainable);
        this.axis = axis;
        this.keepdims = keepdims;
    }

    /** From kdnn's config form: {@code axis} an int or a list, {@code keepdims}. */
    public static LogSumExp fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        Axes axis = Reduce.axisOf(CLASS_NAME, r);
        boolean keepdims = r.bool("keepdims", false);
        r.finish();
        return Layer.builtFor(new LogSumExp(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape, trainable,
                axis, keepdims), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "math.reduce_logsumexp";
    }

    @Override
    public String keras3Module() {
        return "keras.src.ops.math";
    }

    /** Keras' {@code keepdims}: the reduced axes kept with length 1. */
    public boolean keepdims() {
        ensureOpen();
        return keepdims;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return Reduce.reducedShape(this, axis, keepdims, shape);
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 3;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        boolean[] reduced = Reduce.reducedAxes(this, axis, inputShape);
        for (long d : inputShape) if (d < 0) throw incompatible(inputShape, "every axis must have a known length");
        long[] strides = kdnn.runtime.MemoryDesc.rowMajorStrides(inputShape);
        int nk = 0;
        for (boolean b : reduced) if (!b) nk++;
        long[] keptDims = new long[nk];
        long[] keptStrides = new long[nk];
        long[] sumDims = new long[inputShape.length - nk];
        long[] sumStrides = new long[inputShape.length - nk];
        for (int d = 0, k = 0, s = 0; d < inputShape.length; d++) {
            if (reduced[d]) {
                sumDims[s] = inputShape[d];
                sumStrides[s++] = strides[d];
            } else {
                keptDims[k] = inputShape[d];
                keptStrides[k++] = strides[d];
            }
        }
        long outputs = Shapes.product(keptDims);
        long terms = Shapes.product(sumDims);
        return Pipeline.ofJava((in, out) -> logSumExp(in, out, outputs, keptDims, keptStrides,
                sumDims, sumStrides, terms));
    }

    private static void logSumExp(MemorySegment in, MemorySegment out, long outputs, long[] keptDims, long[] keptStrides,
                                  long[] sumDims, long[] sumStrides, long terms) {
        TeamLoop.run(outputs * terms, (int) Math.min(outputs, Integer.MAX_VALUE), (part, parts) -> {
            long[] at = new long[sumDims.length];
            for (long o = outputs * part / parts; o < outputs * (part + 1) / parts; o++) {
                long base = 0;
                long rest = o;
                for (int d = keptDims.length - 1; d >= 0; d--) {
                    base += rest % keptDims[d] * keptStrides[d];
                    rest /= keptDims[d];
                }
                // TensorFlow's order: the slice's maximum where finite (else 0), exp of the differences, their sum, its log
                float max = Float.NEGATIVE_INFINITY;
                for (long t = 0, offset = first(at, base); t < terms; t++, offset = next(at, offset, sumDims, sumStrides)) {
                    float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, offset);
                    if (v > max) max = v;
                }
                float shift = Float.isFinite(max) ? max : 0f;
                double sum = 0;
                for (long t = 0, offset = first(at, base); t < terms; t++, offset = next(at, offset, sumDims, sumStrides)) {
                    sum += (float) Math.exp(in.getAtIndex(ValueLayout.JAVA_FLOAT, offset) - shift);
                }
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o, (float) Math.log((float) sum) + shift);
            }
        });
    }

    /** Resets the odometer over the summed axes and returns the slice's first offset. */
    private static long first(long[] at, long base) {
        java.util.Arrays.fill(at, 0);
        return base;
    }

    /** Advances the odometer over the summed axes by one term; returns the next term's offset. */
    private static long next(long[] at, long offset, long[] dims, long[] strides) {
        for (int d = dims.length - 1; d >= 0; d--) {
            if (++at[d] < dims[d]) return offset + strides[d];
            offset -= (at[d] - 1) * strides[d];
            at[d] = 0;
        }
        return offset;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        c.put("keepdims", keepdims);
        return c;
    }
}

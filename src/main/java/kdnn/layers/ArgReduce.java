package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * {@code argmax(x, axis)} and {@code argmin(x, axis)}: the index along one axis of each slice's largest
 * (smallest) value, as tf.keras' TFOpLambda of {@code tf.math.argmax} / {@code argmin} and Keras 3's
 * {@code Argmax} / {@code Argmin} operations compute it on TensorFlow's CPU kernel: a scan that starts
 * from index 0 holding the lowest (highest) float and takes a value only where it is strictly larger
 * (smaller). So ties go to the first index, NaN never wins, and a slice with nothing above the lowest
 * float (all NaN or -inf) gives 0. Keras 3 first turns -0.0 into minus the smallest normal float, so there
 * -0.0 ranks below 0.0 ({@code signed_zeros}); tf.math.argmax holds them equal. The indices come as
 * float32 values (Keras' int32 or int64), exact up to 2^24. The batch axis, or every axis
 * ({@code axis=None}), would mix a call's samples and is refused. In Java over the OpenMP team.
 */
public final class ArgReduce extends Layer implements KerasOperation {
    /** Keras 3's class names of the operations. */
    public static final String ARGMAX = "Argmax";
    public static final String ARGMIN = "Argmin";

    private final boolean max;
    private final int axis;
    private final boolean keepdims;
    private final boolean signedZeros;

    private ArgReduce(String name, long[] batchInputShape, boolean trainable, boolean max, int axis, boolean keepdims,
                      boolean signedZeros) {
        super(name, batchInputShape, trainable);
        this.max = max;
        this.axis = axis;
        this.keepdims = keepdims;
        this.signedZeros = signedZeros;
    }

    /**
     * From kdnn's config form of {@code Argmax} or {@code Argmin}: {@code axis} an int, {@code keepdims},
     * {@code signed_zeros} (true: -0.0 below 0.0, as Keras 3 ranks them).
     */
    public static ArgReduce fromConfig(String className, JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode a = r.node("axis");
        if (a.isNull()) {
            throw new IllegalArgumentException(className + " with axis=None indexes the flattened input, the batch axis"
                    + " with the rest, mixing a call's samples: not supported by kdnn. Received: axis=None");
        }
        int axis = ConfigReader.toInt("axis", a);
        boolean keepdims = r.bool("keepdims", false);
        boolean signedZeros = r.bool("signed_zeros", false);
        r.finish();
        return Layer.builtFor(new ArgReduce(name == null ? LayerNames.next(className) : name, batchInputShape, trainable,
                className.equals(ARGMAX), axis, keepdims, signedZeros), batchInputShape);
    }

    @Override
    public String className() {
        return max ? ARGMAX : ARGMIN;
    }

    @Override
    public String tfFunction() {
        return max ? "math.argmax" : "math.argmin";
    }

    /** The axis searched, as given (negative from the end). */
    public int axis() {
        ensureOpen();
        return axis;
    }

    /** Keras 3's {@code keepdims}: the searched axis kept with length 1. */
    public boolean keepdims() {
        ensureOpen();
        return keepdims;
    }

    /** True where -0.0 ranks below 0.0, as Keras 3 computes it; false where they are equal, as in tf.math.argmax. */
    public boolean signedZeros() {
        ensureOpen();
        return signedZeros;
    }

    private int axisOf(long[] shape) {
        if (axis < -shape.length || axis >= shape.length) {
            throw incompatible(shape, "Expected dimension in the range [" + -shape.length + ", " + shape.length
                    + "), but got " + axis);
        }
        int d = axis < 0 ? axis + shape.length : axis;
        if (d == 0) throw incompatible(shape, "axis=" + axis + " searches the batch axis; kdnn keeps a call's samples apart");
        return d;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int d = axisOf(shape);
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] == 0 || shape[i] < -1) throw incompatible(shape, "every dimension but the batch must be positive");
        }
        if (keepdims) {
            long[] out = shape.clone();
            out[d] = 1;
            return out;
        }
        long[] out = new long[shape.length - 1];
        for (int i = 0, o = 0; i < shape.length; i++) if (i != d) out[o++] = shape[i];
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    /** An index is below the axis' length, whatever the input holds. */
    @Override
    double outputBound(double inputBound) {
        long[] shape = builtInputShape();
        return shape == null || shape[axisOf(shape)] < 0 ? Double.NaN : shape[axisOf(shape)];
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int d = axisOf(inputShape);
        if (inputShape[d] < 0) throw incompatible(inputShape, "the searched axis must have a known length");
        long outer = 1;
        for (int i = 0; i < d; i++) outer *= inputShape[i];
        long inner = 1;
        for (int i = d + 1; i < inputShape.length; i++) inner *= inputShape[i];
        long length = inputShape[d];
        long rows = outer;
        long columns = inner;
        boolean largest = max;
        boolean signed = signedZeros;
        return Pipeline.ofJava((in, out) -> search(in, out, rows, length, columns, largest, signed));
    }

    private static void search(MemorySegment in, MemorySegment out, long outer, long length, long inner, boolean largest,
                               boolean signedZeros) {
        long slices = outer * inner;
        TeamLoop.run(slices * length, (int) Math.min(slices, Integer.MAX_VALUE), (part, parts) -> {
            for (long s = slices * part / parts; s < slices * (part + 1) / parts; s++) {
                long base = s / inner * length * inner + s % inner;
                float best = largest ? -Float.MAX_VALUE : Float.MAX_VALUE;
                long at = 0;
                for (long k = 0; k < length; k++) {
                    float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, base + k * inner);
                    if (signedZeros && v == 0f && Float.floatToRawIntBits(v) != 0) v = -Float.MIN_NORMAL;
                    if (largest ? v > best : v < best) {
                        best = v;
                        at = k;
                    }
                }
                out.setAtIndex(ValueLayout.JAVA_FLOAT, s, at);
            }
        });
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("axis", axis);
        c.put("keepdims", keepdims);
        if (signedZeros) c.put("signed_zeros", true);
        return c;
    }
}

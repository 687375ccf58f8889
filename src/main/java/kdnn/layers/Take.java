package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * {@code take(x, indices, axis)}: the slices of {@code axis} at constant {@code indices}, in their
 * order, repeats allowed (one index drops the axis, a list keeps it with the list's length); what
 * tf.keras saves as the TFOpLambda of {@code tf.gather} and Keras 3 as its {@code Take} operation
 * (e.g. channels picked or reordered). Keras 3 counts a negative index from the end; tf.gather refuses
 * one, as does an index past the axis (TensorFlow's words). Not the batch axis. In Java: one block
 * copy per kept slice of each outer position.
 */
public final class Take extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Take"}. */
    public static final String CLASS_NAME = "Take";

    private final JsonNode indices; // an int, or a flat list of ints, as given
    private final int axis;
    private final boolean negativeFromEnd;

    private Take(String name, long[] batchInputShape, boolean trainable, JsonNode indices, int axis, boolean negativeFromEnd) {
        super(name, batchInputShape, trainable);
        this.indices = indices;
        this.axis = axis;
        this.negativeFromEnd = negativeFromEnd;
    }

    /**
     * From kdnn's config form: {@code indices} an int or a flat list of ints, {@code axis} an int (not the
     * batch's), {@code negative_from_end} true where a negative index counts from the end (Keras 3).
     */
    public static Take fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode indices = r.node("indices");
        boolean flat = indices.isIntegralNumber() || indices.isArray() && !indices.isEmpty();
        for (JsonNode i : indices.isArray() ? indices : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .arrayNode().add(indices)) {
            flat &= i.isIntegralNumber() && i.canConvertToInt();
        }
        if (!flat) {
            throw new IllegalArgumentException("Take's `indices` must be an integer or a non-empty flat list of integers"
                    + " in the file (kdnn takes constant indices of one axis). Received: indices=" + indices);
        }
        JsonNode a = r.node("axis");
        if (a.isNull()) {
            throw new IllegalArgumentException("Take with axis=None gathers from the flattened input, the batch axis with"
                    + " the rest; kdnn takes along a named axis");
        }
        int axis = ConfigReader.toInt("axis", a);
        boolean negative = r.bool("negative_from_end", false);
        r.finish();
        return Layer.builtFor(new Take(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape, trainable,
                indices.deepCopy(), axis, negative), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "gather";
    }

    /** True where a negative index counts from the end (read from Keras 3), which tf.gather refuses. */
    public boolean countsNegativeFromEnd() {
        ensureOpen();
        return negativeFromEnd;
    }

    /** True where some index is negative. */
    public boolean hasNegativeIndex() {
        ensureOpen();
        for (JsonNode i : indices.isArray() ? indices : java.util.List.of(indices)) if (i.asInt() < 0) return true;
        return false;
    }

    private int axisOf(long[] shape) {
        if (axis < -shape.length || axis >= shape.length) {
            throw incompatible(shape, "axis " + axis + " is out of bounds for an input of " + shape.length + " axes");
        }
        int a = axis < 0 ? axis + shape.length : axis;
        if (a == 0) throw incompatible(shape, "axis=" + axis + " takes from the batch axis; kdnn keeps a call's samples");
        return a;
    }

    /** The indices into an axis of {@code length}, each checked. */
    private int[] resolved(long[] shape, long length) {
        int n = indices.isArray() ? indices.size() : 1;
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            int i = (indices.isArray() ? indices.get(k) : indices).asInt();
            int at = i < 0 && negativeFromEnd ? (int) (i + length) : i;
            if (length >= 0 && (at < 0 || at >= length)) {
                throw incompatible(shape, "indices[" + k + "] = " + i + " is not in [" + (negativeFromEnd ? -length : 0)
                        + ", " + length + ")");
            }
            out[k] = at;
        }
        return out;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int a = axisOf(shape);
        resolved(shape, shape[a]);
        if (!indices.isArray()) {
            long[] out = new long[shape.length - 1];
            for (int d = 0, o = 0; d < shape.length; d++) if (d != a) out[o++] = shape[d];
            return out;
        }
        long[] out = shape.clone();
        out[a] = indices.size();
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int a = axisOf(inputShape);
        if (inputShape[a] < 0) throw incompatible(inputShape, "the axis to take from must have a known length");
        int[] at = resolved(inputShape, inputShape[a]);
        long outer = 1;
        for (int d = 0; d < a; d++) outer *= inputShape[d];
        long inner = 1;
        for (int d = a + 1; d < inputShape.length; d++) inner *= inputShape[d];
        long length = inputShape[a];
        long rows = outer;
        long block = inner;
        return Pipeline.ofJava((in, out) -> take(in, out, rows, length, block, at));
    }

    private static void take(MemorySegment in, MemorySegment out, long outer, long length, long inner, int[] at) {
        int parts = (int) Math.min(outer, Integer.MAX_VALUE);
        long bytes = inner * Float.BYTES;
        TeamLoop.run(outer * at.length * inner, parts, (part, count) -> {
            for (long o = TeamLoop.from(part, count, parts); o < TeamLoop.from(part + 1, count, parts); o++) {
                for (int k = 0; k < at.length; k++) {
                    MemorySegment.copy(in, (o * length + at[k]) * bytes, out, (o * at.length + k) * bytes, bytes);
                }
            }
        });
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("indices", indices.deepCopy());
        c.put("axis", axis);
        if (negativeFromEnd) c.put("negative_from_end", true);
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * {@code split(x, ..., axis)}: the input cut along one axis into several outputs, what tf.keras
 * saves as the TFOpLambda of {@code tf.split(x, num_or_size_splits, axis)} (a count of equal
 * pieces, or their sizes, one of which may be -1 for the rest) and Keras 3 as its {@code Split}
 * operation, {@code ops.split(x, indices_or_sections, axis)} (a count of equal pieces, or the
 * indices where pieces start, as NumPy's). A count must divide the axis, sizes must add up to it,
 * indices must not decrease or pass it; the batch axis cannot be cut. The outputs are copies, in
 * Java. Keras has no layer for it: a file keeps the form it came in.
 */
public final class Split extends Layer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Split"}. */
    public static final String CLASS_NAME = "Split";

    /** The most pieces (outputs) a split makes here. */
    static final int MAX_PIECES = 1 << 16;

    private final int sections;  // equal pieces; 0 where sizes or indices are given
    private final int[] sizes;   // tf.split's sizes (one may be -1), or null
    private final int[] indices; // Keras 3's start indices, or null
    private final int axis;

    private Split(String name, boolean trainable, int sections, int[] sizes, int[] indices, int axis) {
        super(name, null, trainable);
        this.sections = sections;
        this.sizes = sizes;
        this.indices = indices;
        this.axis = axis;
    }

    /**
     * From kdnn's config form: {@code axis} and either tf.split's {@code num_or_size_splits} (an
     * int, or a list of sizes) or Keras 3's {@code indices_or_sections} (an int, or a list of indices).
     */
    public static Split fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode tf = r.node("num_or_size_splits");
        JsonNode keras3 = r.node("indices_or_sections");
        JsonNode a = r.node("axis");
        r.finish();
        if (tf.isNull() == keras3.isNull()) {
            throw new IllegalArgumentException("Split needs exactly one of `num_or_size_splits` (tf.split) and"
                    + " `indices_or_sections` (keras.ops.split). Received: num_or_size_splits=" + tf
                    + ", indices_or_sections=" + keras3);
        }
        int axis = a.isNull() ? 0 : ConfigReader.toInt("axis", a);
        JsonNode given = tf.isNull() ? keras3 : tf;
        String key = tf.isNull() ? "indices_or_sections" : "num_or_size_splits";
        int sections = 0;
        int[] list = null;
        if (given.isIntegralNumber()) {
            sections = ConfigReader.toInt(key, given);
            if (sections <= 0) throw ConfigReader.bad(key, given, "a positive number of pieces");
            // each piece is an output of its own, a tensor in the model's graph
            if (sections > MAX_PIECES) throw ConfigReader.bad(key, given, "at most " + MAX_PIECES + " pieces");
        } else if (given.isArray() && !given.isEmpty()) {
            list = ConfigReader.tuple(key, given, given.size());
        } else {
            throw ConfigReader.bad(key, given, "an int or a non-empty list of ints");
        }
        if (list != null && !tf.isNull()) {
            int unknown = 0;
            for (int s : list) {
                if (s == -1) unknown++;
                else if (s < 0) throw ConfigReader.bad(key, given, "sizes of at least 0, and -1 for at most one");
            }
            if (unknown > 1) throw ConfigReader.bad(key, given, "at most one size -1");
        }
        if (list != null && tf.isNull()) {
            for (int i = 0; i < list.length; i++) {
                if (list[i] < 0 || i > 0 && list[i] < list[i - 1]) {
                    throw ConfigReader.bad(key, given, "indices that are not negative and do not decrease");
                }
            }
        }
        if (name == null) name = LayerNames.next("split");
        return new Split(name, trainable, sections, tf.isNull() ? null : list, tf.isNull() ? list : null, axis);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "split";
    }

    /** The axis cut, as given (counted with the batch axis). */
    public int axis() {
        ensureOpen();
        return axis;
    }

    /** Each piece's {@code [start, end)} along an axis of {@code length} (-1: unknown), or Keras' refusal. */
    private long[][] pieces(long length) {
        List<long[]> out = new ArrayList<>();
        if (sections > 0) {
            if (length >= 0 && length % sections != 0) {
                throw new IllegalArgumentException("Split: the axis " + axis + " of length " + length + " is not evenly"
                        + " divisible by " + sections + " (TensorFlow: Dimension size must be evenly divisible by "
                        + sections + " but is " + length + ")");
            }
            for (int i = 0; i < sections; i++) out.add(length < 0 ? new long[] {-1, -1} : new long[] {i * length / sections,
                    (i + 1) * length / sections});
        } else if (sizes != null) {
            long known = 0;
            boolean open = false;
            for (int s : sizes) {
                if (s == -1) open = true;
                else known += s;
            }
            if (length >= 0 && (open ? known > length : known != length)) {
                throw new IllegalArgumentException("Split: the sizes " + java.util.Arrays.toString(sizes) + " do not add up"
                        + " to the length " + length + " of axis " + axis);
            }
            long at = 0;
            for (int s : sizes) {
                long n = s == -1 ? length - known : s;
                out.add(length < 0 ? new long[] {-1, -1} : new long[] {at, at + n});
                at += n;
            }
        } else {
            if (length >= 0 && indices[indices.length - 1] > length) {
                throw new IllegalArgumentException("Split: the index " + indices[indices.length - 1] + " lies beyond the"
                        + " length " + length + " of axis " + axis);
            }
            long at = 0;
            for (int i = 0; i <= indices.length; i++) {
                long end = i < indices.length ? indices[i] : length;
                out.add(length < 0 ? new long[] {-1, -1} : new long[] {at, end});
                at = end;
            }
        }
        return out.toArray(long[][]::new);
    }

    private int axisOf(long[] shape) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a <= 0 || a >= shape.length) {
            throw new IllegalArgumentException("Split: `axis`=" + axis + " must name an axis of the input " + Shapes.format(shape)
                    + " other than the batch axis");
        }
        return a;
    }

    /** Each piece's shape: the input's, the cut axis of the piece's length (-1 where the input's is unknown). */
    @Override
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        if (inputShapes.size() != 1) {
            throw new IllegalArgumentException("Split takes one tensor, got " + inputShapes.size());
        }
        long[] shape = inputShapes.get(0);
        int a = axisOf(shape);
        List<long[]> out = new ArrayList<>();
        for (long[] p : pieces(shape[a])) {
            long[] s = shape.clone();
            s[a] = p[0] < 0 ? -1 : p[1] - p[0];
            out.add(s);
        }
        return out;
    }

    /** All the pieces packed per sample ({@link #computeOutputShapes}): the input's values, in the pieces' order. */
    @Override
    public long[] computeOutputShape(long[] shape) {
        List<long[]> pieces = computeOutputShapes(List.of(shape));
        return pieces.size() == 1 ? pieces.get(0) : BaseRecurrent.packed(pieces);
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    long work(long[] inputShape) {
        return 0;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    /** Each sample's pieces one after another: per piece, its rows of the axes before the cut, each row a block. */
    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int a = axisOf(inputShape);
        long outer = Shapes.product(java.util.Arrays.copyOfRange(inputShape, 1, a));
        long inner = Shapes.product(java.util.Arrays.copyOfRange(inputShape, a + 1, inputShape.length)) * Float.BYTES;
        long length = inputShape[a];
        long batch = inputShape[0];
        long[][] pieces = pieces(length);
        long rowBytes = length * inner;
        return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> {
            long at = 0;
            for (long n = 0; n < batch; n++) {
                for (long[] p : pieces) {
                    long bytes = (p[1] - p[0]) * inner;
                    for (long o = 0; o < outer; o++) {
                        MemorySegment.copy(in, (n * outer + o) * rowBytes + p[0] * inner, out, at, bytes);
                        at += bytes;
                    }
                }
            }
        }).build();
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        JsonNodeFactory f = JsonNodeFactory.instance;
        String key = indices != null ? "indices_or_sections" : "num_or_size_splits";
        int[] list = indices != null ? indices : sizes;
        if (list == null) c.put(key, sections);
        else {
            ArrayNode l = c.putArray(key);
            for (int v : list) l.add(f.numberNode(v));
        }
        c.put("axis", axis);
        return c;
    }

    /** tf.split's {@code num_or_size_splits} of this split: Keras 3's indices as sizes, the last one -1 (the rest). */
    public JsonNode tfSplits() {
        ensureOpen();
        if (indices == null) return getConfig().get("num_or_size_splits");
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        int at = 0;
        for (int i : indices) {
            out.add(i - at);
            at = i;
        }
        return out.add(-1);
    }

    /**
     * Keras 3's {@code indices_or_sections} of this split: tf.split's sizes as the indices where
     * pieces start, or null where a size -1 before the last makes them depend on the input's length.
     */
    public JsonNode keras3Splits() {
        ensureOpen();
        if (sizes == null) {
            return indices != null ? getConfig().get("indices_or_sections") : JsonNodeFactory.instance.numberNode(sections);
        }
        for (int i = 0; i < sizes.length - 1; i++) if (sizes[i] == -1) return null;
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        int at = 0;
        for (int i = 0; i < sizes.length - 1; i++) out.add(at += sizes[i]);
        return out;
    }
}

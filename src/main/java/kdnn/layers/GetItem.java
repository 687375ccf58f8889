package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * {@code x[key]}: NumPy's basic indexing of a Keras tensor, what tf.keras saves as a
 * {@code SlicingOpLambda} of {@code tf.__operators__.getitem} and Keras 3 as its {@code GetItem}
 * operation, e.g. {@code x[..., ::-1]} (RGB to BGR in keras.applications' caffe preprocessing),
 * {@code x[..., 0]} or {@code x[:, 1:-1]}. The key holds integers (the axis dropped), slices
 * ({@code start:stop:step}, negative steps too), at most one ellipsis and new axes ({@code None}),
 * applied from the batch axis on; the batch axis itself must be kept whole. A copy, in Java (oneDNN
 * memory descriptors have no negative strides). Keras has no layer for it: a file keeps the form it
 * came in, and TF.js, whose Keras has neither, cannot hold it.
 */
public final class GetItem extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "GetItem"}. */
    public static final String CLASS_NAME = "GetItem";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** One element of the key. */
    sealed interface Item permits Index, Slice, Ellipsis, NewAxis {
    }

    /** An integer index: the axis is dropped. */
    record Index(long index) implements Item {
    }

    /** {@code start:stop:step}, each null where not given. */
    record Slice(Long start, Long stop, Long step) implements Item {
        boolean whole() {
            return start == null && stop == null && (step == null || step == 1);
        }
    }

    /** {@code ...}: as many whole axes as the other items leave. */
    record Ellipsis() implements Item {
    }

    /** {@code None}: a new axis of length 1. */
    record NewAxis() implements Item {
    }

    private final List<Item> key;
    private final boolean keyIsList;

    private GetItem(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.key = List.copyOf(b.key);
        this.keyIsList = b.keyIsList;
    }

    /** The key, read from its config form (required). */
    public static final class Builder extends LayerBuilder<Builder, GetItem> {
        List<Item> key;
        boolean keyIsList;

        Builder() {
            super(CLASS_NAME);
        }

        /**
         * The key in Keras 3's serialized form: an item or a list of items, each an integer,
         * {@code null} (a new axis), {@code {"class_name": "__ellipsis__"}} or
         * {@code {"class_name": "__slice__", "config": {"start", "stop", "step"}}} (tf.keras' bare
         * {@code {"start", "stop", "step"}} too).
         */
        public Builder key(JsonNode key) {
            this.keyIsList = key != null && key.isArray();
            this.key = parse(key);
            return this;
        }

        @Override
        void validate() {
            if (key == null) {
                throw new IllegalArgumentException("GetItem needs a `key`");
            }
            long ellipses = key.stream().filter(i -> i instanceof Ellipsis).count();
            if (ellipses > 1) {
                throw new IllegalArgumentException("GetItem `key` may hold one ellipsis (...) at most. Received: key="
                        + describe(key));
            }
            for (Item i : key) {
                if (i instanceof Slice s && s.step != null && s.step == 0) {
                    throw new IllegalArgumentException("GetItem `key`: slice step cannot be zero. Received: key="
                            + describe(key));
                }
            }
        }

        @Override
        GetItem make() {
            return new GetItem(this);
        }
    }

    /** A builder; the key must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** From kdnn's config form: {@code key} as {@link Builder#key} reads it. */
    public static GetItem fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        if (config.has("key")) b.key(r.node("key"));
        r.finish();
        return b.build();
    }

    private static List<Item> parse(JsonNode key) {
        List<Item> out = new ArrayList<>();
        if (key != null && key.isArray()) {
            for (JsonNode k : key) out.add(item(k, key));
        } else {
            out.add(item(key, key));
        }
        return out;
    }

    private static Item item(JsonNode k, JsonNode key) {
        if (k == null || k.isMissingNode()) {
            throw new IllegalArgumentException("GetItem needs a `key`");
        }
        if (k.isNull()) return new NewAxis();
        if (k.isIntegralNumber() && k.canConvertToLong()) return new Index(k.asLong());
        if (k.isObject()) {
            String cls = k.path("class_name").asText("");
            if (cls.equals("__ellipsis__")) return new Ellipsis();
            JsonNode bounds = cls.equals("__slice__") ? k.path("config") : cls.isEmpty() ? k : null;
            if (bounds != null && bounds.has("start") && bounds.has("stop") && bounds.has("step")) {
                return new Slice(bound(bounds, "start", key), bound(bounds, "stop", key), bound(bounds, "step", key));
            }
        }
        throw new IllegalArgumentException("GetItem `key` items must be integers, slices, an ellipsis or None (new axis);"
                + " kdnn does not index by " + k + ". Received: key=" + key);
    }

    private static Long bound(JsonNode slice, String which, JsonNode key) {
        JsonNode v = slice.get(which);
        if (v == null || v.isNull()) return null;
        if (v.isIntegralNumber() && v.canConvertToLong()) return v.asLong();
        throw new IllegalArgumentException("GetItem `key`: a slice's " + which + " must be an integer or None. Received:"
                + " key=" + key);
    }

    @Override
    public String tfFunction() {
        return "__operators__.getitem";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /**
     * Each axis of the view: the input axis it reads (-1 for a new axis), the first index, the
     * step, its length (-1 where the input's is unknown) and whether an integer index drops it.
     */
    private record Axis(int input, long first, long step, long length, boolean dropped) {
    }

    /** The key with its ellipsis (or the missing trailing axes) spelled out as whole slices. */
    private List<Item> expanded(int rank) {
        int consumed = 0;
        for (Item i : key) if (i instanceof Index || i instanceof Slice) consumed++;
        List<Item> full = new ArrayList<>();
        boolean spelled = false;
        for (Item i : key) {
            if (i instanceof Ellipsis) {
                for (int a = 0; a < rank - consumed; a++) full.add(new Slice(null, null, null));
                spelled = true;
            } else {
                full.add(i);
            }
        }
        if (!spelled) for (int a = 0; a < rank - consumed; a++) full.add(new Slice(null, null, null));
        return full;
    }

    /** The view of an input of {@code shape}; integer indices checked where the axis' length is known. */
    private List<Axis> axes(long[] shape) {
        long consumed = key.stream().filter(i -> i instanceof Index || i instanceof Slice).count();
        if (consumed > shape.length) {
            throw incompatible(shape, "the key " + describe(key) + " indexes " + consumed + " axes, but the input has "
                    + shape.length);
        }
        List<Axis> out = new ArrayList<>();
        int axis = 0;
        for (Item i : expanded(shape.length)) {
            if (i instanceof NewAxis) {
                if (axis == 0) throw incompatible(shape, "the key " + describe(key) + " puts a new axis before the batch axis");
                out.add(new Axis(-1, 0, 1, 1, false));
                continue;
            }
            long n = shape[axis];
            if (axis == 0 && !(i instanceof Slice s && s.whole())) {
                throw incompatible(shape, "the key " + describe(key) + " indexes the batch axis; kdnn keeps it whole");
            }
            if (i instanceof Index x) {
                if (n >= 0 && (x.index >= n || x.index < -n)) {
                    throw incompatible(shape, "index " + x.index + " is out of bounds for axis " + axis + " with size " + n);
                }
                out.add(new Axis(axis, x.index < 0 && n >= 0 ? x.index + n : x.index, 1, 1, true));
            } else {
                out.add(axis == 0 ? new Axis(0, 0, 1, n, false) : slice(axis, n, (Slice) i));
            }
            axis++;
        }
        return out;
    }

    /** Python's {@code slice.indices(n)}: the first index, the step and the count (-1 where n is unknown). */
    private static Axis slice(int axis, long n, Slice s) {
        long step = s.step == null ? 1 : s.step;
        if (n < 0) return new Axis(axis, 0, step, -1, false);
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? n - 1 : n;
        long start = s.start == null ? (step < 0 ? upper : lower) : clamp(s.start < 0 ? s.start + n : s.start, lower, upper);
        long stop = s.stop == null ? (step < 0 ? lower : upper) : clamp(s.stop < 0 ? s.stop + n : s.stop, lower, upper);
        long count = step > 0 ? Math.max(0, (stop - start + step - 1) / step) : Math.max(0, (start - stop - step - 1) / -step);
        return new Axis(axis, start, step, count, false);
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length == 0) throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] < -1) throw incompatible(shape, "every dimension but the batch must be non-negative");
        }
        return axes(shape).stream().filter(a -> !a.dropped).mapToLong(Axis::length).toArray();
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] strides = new long[inputShape.length];
        long s = 1;
        for (int a = inputShape.length - 1; a >= 0; a--) {
            strides[a] = s;
            s *= inputShape[a];
        }
        // the view: the offset of all first indices, each kept axis' length and its stride times its step
        List<Axis> view = axes(inputShape);
        long base = 0;
        for (Axis a : view) if (a.input >= 0) base += a.first * strides[a.input];
        List<Axis> kept = view.stream().filter(a -> !a.dropped).toList();
        long[][] run = merged(kept.stream().mapToLong(Axis::length).toArray(),
                kept.stream().mapToLong(a -> a.input < 0 ? 0 : a.step * strides[a.input]).toArray());
        long origin = base;
        return Pipeline.ofJava((from, to) -> gather(from, to, origin, run[0], run[1]));
    }

    /**
     * The view's axes with those of length 1 left out and each axis joined to the next where the
     * two read as one ({@code step[a] == step[a + 1] * length[a + 1]}): {lengths, steps}, at least
     * one axis. A channel flip of an image becomes (pixels, step 3) and (3, step -1).
     */
    private static long[][] merged(long[] lengths, long[] steps) {
        java.util.ArrayDeque<long[]> axes = new java.util.ArrayDeque<>(); // innermost first
        for (int a = lengths.length - 1; a >= 0; a--) {
            if (lengths[a] == 1) continue;
            long[] inner = axes.peekLast();
            if (inner != null && steps[a] == inner[1] * inner[0]) {
                inner[0] *= lengths[a];
            } else {
                axes.addLast(new long[] {lengths[a], steps[a]});
            }
        }
        if (axes.isEmpty()) axes.add(new long[] {lengths.length == 0 ? 1 : java.util.Arrays.stream(lengths).reduce(1,
                (x, y) -> x * y), 1});
        int r = axes.size();
        long[] l = new long[r];
        long[] st = new long[r];
        int i = r - 1;
        for (long[] a : axes) {
            l[i] = a[0];
            st[i--] = a[1];
        }
        return new long[][] {l, st};
    }

    /**
     * Copies the strided view (first element at {@code origin}) into {@code to}, row-major: the two
     * innermost axes in loops, the outer ones found from a running count (no allocation per call).
     */
    private static void gather(MemorySegment from, MemorySegment to, long origin, long[] lengths, long[] steps) {
        int r = lengths.length;
        for (long n : lengths) if (n == 0) return;
        long innerN = lengths[r - 1];
        long innerStep = steps[r - 1];
        long midN = r >= 2 ? lengths[r - 2] : 1;
        long midStep = r >= 2 ? steps[r - 2] : 0;
        long outerCount = 1;
        for (int a = 0; a < r - 2; a++) outerCount *= lengths[a];
        long at = 0;
        for (long o = 0; o < outerCount; o++) {
            long src = origin;
            long rest = o;
            for (int a = r - 3; a >= 0; a--) {
                src += (rest % lengths[a]) * steps[a];
                rest /= lengths[a];
            }
            if (innerStep != 1 && innerN < midN) {
                // a short strided inner axis (an image's channels): the long axis in the inner loop
                for (long k = 0; k < innerN; k++) {
                    long in = src + k * innerStep;
                    for (long j = 0; j < midN; j++) {
                        to.setAtIndex(ValueLayout.JAVA_FLOAT, at + j * innerN + k, from.getAtIndex(ValueLayout.JAVA_FLOAT,
                                in + j * midStep));
                    }
                }
                at += midN * innerN;
                continue;
            }
            for (long j = 0; j < midN; j++, src += midStep) {
                if (innerStep == 1) {
                    MemorySegment.copy(from, src * Float.BYTES, to, at * Float.BYTES, innerN * Float.BYTES);
                } else {
                    for (long k = 0; k < innerN; k++) {
                        to.setAtIndex(ValueLayout.JAVA_FLOAT, at + k, from.getAtIndex(ValueLayout.JAVA_FLOAT, src + k * innerStep));
                    }
                }
                at += innerN;
            }
        }
    }

    /** The key in Keras 3's serialized form (a list where it was given as one). */
    public JsonNode key() {
        ensureOpen();
        return keyNode();
    }

    private JsonNode keyNode() {
        ArrayNode a = JSON.arrayNode();
        for (Item i : key) a.add(node(i));
        return keyIsList ? a : a.get(0);
    }

    private static JsonNode node(Item i) {
        return switch (i) {
            case Index x -> JSON.numberNode(x.index);
            case NewAxis n -> JSON.nullNode();
            case Ellipsis e -> {
                ObjectNode o = JSON.objectNode();
                o.put("class_name", "__ellipsis__");
                o.putObject("config");
                yield o;
            }
            case Slice s -> {
                ObjectNode o = JSON.objectNode();
                o.put("class_name", "__slice__");
                ObjectNode c = o.putObject("config");
                if (s.start == null) c.putNull("start"); else c.put("start", s.start);
                if (s.stop == null) c.putNull("stop"); else c.put("stop", s.stop);
                if (s.step == null) c.putNull("step"); else c.put("step", s.step);
                yield o;
            }
        };
    }

    private static String describe(List<Item> key) {
        StringBuilder s = new StringBuilder("[");
        for (Item i : key) {
            if (s.length() > 1) s.append(", ");
            switch (i) {
                case Index x -> s.append(x.index);
                case NewAxis n -> s.append("None");
                case Ellipsis e -> s.append("...");
                case Slice c -> s.append(c.start == null ? "" : c.start).append(':').append(c.stop == null ? "" : c.stop)
                        .append(c.step == null ? "" : ":" + c.step);
            }
        }
        return s.append("]").toString();
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("key", keyNode());
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * A hidden layer computing Keras' mask of a call as a value of the model: 1 where a step counts,
 * 0 where it is masked, float32 as every kdnn value. Made by the layer whose output carries the
 * mask (which owns it); never saved, never in a model's layers. In Java: masks are one value per
 * step.
 */
final class MaskLayer extends Layer {
    /** Which mask. */
    enum Kind {
        /** Embedding's {@code mask_zero}: {@code inputs != 0}, the input's shape. */
        NOT_ZERO,
        /** Masking's: {@code any(inputs != mask_value, axis=-1)}. */
        ANY_NOT_EQUAL,
        /** Add and the other element-wise merges: the masks present, all true (tf.keras) or any (Keras 3); the data inputs first. */
        ELEMENTWISE,
        /** Concatenate: each input's mask (all true where none), concatenated along the axis, then reduced over the last axis. */
        CONCATENATE
    }

    private final Kind kind;
    private final float maskValue;
    private final boolean[] present; // per data input of a merge: whether a mask follows the data inputs for it
    private final int axis;           // Concatenate's
    private final boolean any;        // merges: any mask true (Keras 3) or all (tf.keras)

    private MaskLayer(String name, Kind kind, float maskValue, boolean[] present, int axis, boolean any) {
        super(name, null, true);
        this.kind = kind;
        this.maskValue = maskValue;
        this.present = present;
        this.axis = axis;
        this.any = any;
    }

    /** Embedding's mask: the indices that are not 0. */
    static MaskLayer notZero(String owner) {
        return new MaskLayer(owner + "_mask", Kind.NOT_ZERO, 0, null, 0, false);
    }

    /** Masking's mask: the steps with a feature other than {@code maskValue}. */
    static MaskLayer anyNotEqual(String owner, float maskValue) {
        return new MaskLayer(owner + "_mask", Kind.ANY_NOT_EQUAL, maskValue, null, 0, false);
    }

    /** An element-wise merge's mask over the inputs that carry one ({@code present}): all of them true, or {@code any}. */
    static MaskLayer elementwise(String owner, boolean[] present, boolean any) {
        return new MaskLayer(owner + "_mask", Kind.ELEMENTWISE, 0, present.clone(), 0, any);
    }

    /** Concatenate's mask along {@code axis}, reduced over the last axis by {@code any} (Keras 3) or all. */
    static MaskLayer concatenate(String owner, boolean[] present, int axis, boolean any) {
        return new MaskLayer(owner + "_mask", Kind.CONCATENATE, 0, present.clone(), axis, any);
    }

    @Override
    public String className() {
        return "Mask";
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return computeOutputShape(List.of(shape));
    }

    @Override
    public long[] computeOutputShape(List<long[]> shapes) {
        return switch (kind) {
            case NOT_ZERO -> shapes.get(0).clone();
            case ANY_NOT_EQUAL -> Arrays.copyOf(shapes.get(0), shapes.get(0).length - 1);
            case ELEMENTWISE -> {
                long[] first = null;
                for (int i = dataCount(); i < shapes.size(); i++) {
                    if (first == null) first = shapes.get(i);
                    else if (!Arrays.equals(first, shapes.get(i))) {
                        throw new IllegalArgumentException("the masks of the merged inputs have different shapes: "
                                + Merge.format(shapes.subList(dataCount(), shapes.size())) + "; Keras stacks them and"
                                + " cannot");
                    }
                }
                yield first.clone();
            }
            case CONCATENATE -> {
                long[][] expanded = expandedShapes(shapes);
                long[] out = expanded[0].clone();
                int a = concatAxis(out.length);
                for (int i = 1; i < expanded.length; i++) out[a] += expanded[i][a];
                yield Arrays.copyOf(out, out.length - 1);
            }
        };
    }

    private int dataCount() {
        return present == null ? 1 : present.length;
    }

    private int concatAxis(int rank) {
        return axis < 0 ? axis + rank : axis;
    }

    /** Each Concatenate input's mask as Keras expands it: the input's shape. */
    private long[][] expandedShapes(List<long[]> shapes) {
        long[][] out = new long[present.length][];
        int next = present.length;
        for (int i = 0; i < present.length; i++) {
            long[] data = shapes.get(i);
            if (present[i]) {
                long[] mask = shapes.get(next++);
                boolean fits = mask.length == data.length - 1 && Arrays.equals(mask, Arrays.copyOf(data, mask.length));
                if (!fits) {
                    throw new IllegalArgumentException("the mask " + Shapes.format(mask) + " of input " + i
                            + " cannot be broadcast to its shape " + Shapes.format(data));
                }
            }
            out[i] = data;
        }
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new UnsupportedOperationException("a mask is computed in Java");
    }

    @Override
    double runInputs(long[][] shapes, MemorySegment[] in, MemorySegment out, Variant variant, double[] bounds) {
        long stamp = enter();
        try {
            long[] outShape = computeOutputShape(Arrays.asList(shapes));
            switch (kind) {
                case NOT_ZERO -> {
                    long n = Shapes.product(shapes[0]);
                    for (long i = 0; i < n; i++) put(out, i, get(in[0], i) != 0);
                }
                case ANY_NOT_EQUAL -> {
                    long rows = Shapes.product(outShape);
                    long width = shapes[0][shapes[0].length - 1];
                    for (long r = 0; r < rows; r++) {
                        boolean keep = false;
                        // NaN differs from every mask value, as in Keras' not_equal
                        for (long f = 0; f < width && !keep; f++) keep = !(get(in[0], r * width + f) == maskValue);
                        put(out, r, keep);
                    }
                }
                case ELEMENTWISE -> {
                    long n = Shapes.product(outShape);
                    for (long i = 0; i < n; i++) {
                        boolean keep = !any;
                        for (int k = present.length; k < in.length; k++) {
                            keep = any ? keep || get(in[k], i) != 0 : keep && get(in[k], i) != 0;
                        }
                        put(out, i, keep);
                    }
                }
                case CONCATENATE -> concatenate(shapes, in, out);
            }
            return 1;
        } finally {
            exitCall(stamp);
        }
    }

    /**
     * Along the last axis each output step reduces the inputs' masks (all true where an input has
     * none); along an earlier axis the inputs' mask rows follow one another, as Keras' concatenated
     * mask reduced over features that share each row's value.
     */
    private void concatenate(long[][] shapes, MemorySegment[] in, MemorySegment out) {
        int rank = shapes[0].length;
        int a = concatAxis(rank);
        long outer = 1;
        for (int d = 0; d < Math.min(a, rank - 1); d++) outer *= shapes[0][d];
        long at = 0;
        for (long o = 0; o < outer; o++) {
            int next = present.length;
            if (a == rank - 1) {
                boolean keep = !any;
                for (boolean p : present) {
                    boolean v = !p || get(in[next++], o) != 0;
                    keep = any ? keep || v : keep && v;
                }
                put(out, at++, keep);
                continue;
            }
            for (int i = 0; i < present.length; i++) {
                long rows = Shapes.product(Arrays.copyOfRange(shapes[i], a, rank - 1));
                MemorySegment mask = present[i] ? in[next++] : null;
                for (long r = 0; r < rows; r++) put(out, at++, mask == null || get(mask, o * rows + r) != 0);
            }
        }
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    private static void put(MemorySegment s, long i, boolean v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v ? 1f : 0f);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("kind", kind.name());
        return c;
    }
}

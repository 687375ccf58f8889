package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * The element-wise merges, as Keras 2's {@code _Merge}: shapes broadcast axis by axis, aligned
 * at the last axis (an axis of length 1 takes the other's length; a shorter shape gains axes of
 * length 1 after the batch axis).
 */
public abstract class ElementwiseMerge extends Merge {
    private final Merges.Op op;

    ElementwiseMerge(String name, boolean trainable, Merges.Op op) {
        super(name, trainable);
        this.op = op;
    }

    /** Builds one of these layers from its Keras config. */
    static <L extends ElementwiseMerge> L fromConfig(String className, JsonNode config,
                                                     java.util.function.BiFunction<String, Boolean, L> make) {
        ConfigReader r = new ConfigReader(className, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        r.finish();
        return make.apply(name == null ? LayerNames.next(className) : name, trainable);
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        return mergedShape(shapes.get(0), shapes);
    }

    /**
     * Keras' merge {@code compute_mask}: tf.keras' is true where all the masks present are (an
     * input without one ignored); Keras 3's where any is, and none unless every input has one.
     */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        int present = 0;
        for (boolean m : inputMasked) if (m) present++;
        if (present == 0) return kdnn.internal.MaskUse.DROPS;
        boolean keras3 = kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3;
        if (keras3 && masksValues()) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (" + className() + ") is given a mask: Keras 3's "
                    + className() + " leaves masked values out of its result, which kdnn does not");
        }
        if (keras3 && present < inputMasked.length) return kdnn.internal.MaskUse.DROPS;
        String key = "mask " + java.util.Arrays.toString(inputMasked);
        return new kdnn.internal.MaskUse(kdnn.internal.MaskUse.Kind.MERGES,
                hidden(key, () -> MaskLayer.elementwise(name(), inputMasked, keras3)));
    }

    /** True where Keras 3 replaces masked values before the operation (Multiply, Maximum, Minimum). */
    boolean masksValues() {
        return false;
    }

    /** The merged shape of exactly two inputs (x - y, x / y); {@code refusal} says so otherwise. */
    final long[] mergedShapeOfTwo(List<long[]> shapes, String refusal) {
        if (shapes.size() != 2) {
            throw new IllegalArgumentException(refusal + " Received: " + shapes.size() + " inputs of shapes " + format(shapes));
        }
        return mergedShape(shapes.get(0), shapes);
    }

    private long[] mergedShape(long[] first, List<long[]> shapes) {
        long[] out = first.clone();
        for (int i = 1; i < shapes.size(); i++) {
            out = broadcast(out, shapes.get(i));
        }
        return out;
    }

    /** Two shapes broadcast as Keras 2's {@code _Merge} does, or its refusal. */
    static long[] broadcast(long[] a, long[] b) {
        if (a.length < b.length) {
            return broadcast(b, a);
        }
        long[] out = a.clone();
        int offset = a.length - b.length;
        for (int i = 1; i < b.length; i++) {
            long x = a[offset + i];
            long y = b[i];
            if (x < 0 || y < 0) out[offset + i] = Math.max(x, y) == 1 ? -1 : Math.max(x, y);
            else if (x == 1) out[offset + i] = y;
            else if (y != 1 && x != y) {
                throw new IllegalArgumentException("Inputs have incompatible shapes. Received shapes "
                        + Shapes.format(java.util.Arrays.copyOfRange(a, 1, a.length)) + " and "
                        + Shapes.format(java.util.Arrays.copyOfRange(b, 1, b.length)));
            }
        }
        out[0] = a[0] >= 0 ? a[0] : b[0];
        return out;
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        return Merges.elementwise(op, inputs, output, tag);
    }

    @Override
    boolean propagatesNaN() {
        return op == Merges.Op.MAXIMUM || op == Merges.Op.MINIMUM;
    }

    @Override
    double mergedBound(double[] b) {
        if (op == Merges.Op.DIVIDE) return Double.NaN; // a divisor near zero bounds nothing
        double bound = op == Merges.Op.MULTIPLY ? 1 : 0;
        for (double x : b) {
            if (Double.isNaN(x)) return Double.NaN;
            bound = switch (op) {
                case ADD, SUBTRACT -> bound + x;
                case MULTIPLY -> bound * x;
                case AVERAGE, MAXIMUM, MINIMUM -> Math.max(bound, x);
                case DIVIDE -> Double.NaN;
            };
        }
        // a sum of K rounded terms may exceed the exact bound by about K * 2^-24 of it
        return bound * (1 + 0x1p-5);
    }

    @Override
    boolean elementwise() {
        return true;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Products;

/**
 * {@code matmul(a, b)} of two tensors ({@code a @ b}): the product of their last two axes, the axes
 * before them broadcast as NumPy broadcasts them; what tf.keras saves as the TFOpLambda of
 * {@code tf.linalg.matmul} (with {@code transpose_a} / {@code transpose_b}) and Keras 3 as its
 * {@code Matmul} operation, e.g. attention written out with {@code ops.matmul(q, ops.transpose(k))}.
 * One oneDNN matmul reading both tensors in place, a transpose as swapped strides. Each operand has
 * the batch axis and two more at least (a vector operand would fold the batch into the product).
 * Keras has no layer for it: a file keeps the form it came in.
 */
public final class Matmul extends TensorProduct implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Matmul"}. */
    public static final String CLASS_NAME = "Matmul";

    private final boolean transposeA;
    private final boolean transposeB;

    private Matmul(String name, boolean trainable, boolean transposeA, boolean transposeB) {
        super(name, trainable);
        this.transposeA = transposeA;
        this.transposeB = transposeB;
    }

    /** From kdnn's config form: {@code transpose_a} and {@code transpose_b} (tf.linalg.matmul's; default false). */
    public static Matmul fromConfig(JsonNode config) {
        ConfigReader r = reader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        boolean ta = r.bool("transpose_a", false);
        boolean tb = r.bool("transpose_b", false);
        r.finish();
        return new Matmul(name == null ? LayerNames.next("matmul") : name, trainable, ta, tb);
    }

    @Override
    public String tfFunction() {
        return "linalg.matmul";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** tf.linalg.matmul's {@code transpose_a}. */
    public boolean transposeA() {
        ensureOpen();
        return transposeA;
    }

    /** tf.linalg.matmul's {@code transpose_b}. */
    public boolean transposeB() {
        ensureOpen();
        return transposeB;
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        if (shapes.size() != 2) {
            throw new IllegalArgumentException("Matmul \"" + name() + "\" multiplies exactly 2 tensors (a @ b), got "
                    + shapes.size());
        }
        long[] a = shapes.get(0);
        long[] b = shapes.get(1);
        if (a.length < 3 || b.length < 3) {
            throw new IllegalArgumentException("Matmul \"" + name() + "\": each operand needs the batch axis and two more"
                    + " in kdnn (a vector would fold the batch into the product). Received: " + format(shapes));
        }
        long n = a[a.length - (transposeA ? 1 : 2)];
        long k = a[a.length - (transposeA ? 2 : 1)];
        long kb = b[b.length - (transposeB ? 1 : 2)];
        long m = b[b.length - (transposeB ? 2 : 1)];
        if (k >= 0 && kb >= 0 && k != kb) {
            throw new IllegalArgumentException("Matmul \"" + name() + "\": the inner dimensions do not match: " + k
                    + " and " + kb + ". Received: " + format(shapes));
        }
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int d = 0; d < rank - 2; d++) {
            long x = at(a, d, rank);
            long y = at(b, d, rank);
            if (x != y && x != 1 && y != 1 && x >= 0 && y >= 0) {
                throw new IllegalArgumentException("Matmul \"" + name() + "\": the axes before the last two do not"
                        + " broadcast: " + format(shapes));
            }
            out[d] = x == 1 ? y : y == 1 ? x : x < 0 ? y : x;
        }
        out[rank - 2] = n;
        out[rank - 1] = m;
        return out;
    }

    /** Axis {@code d} of {@code s} aligned right to {@code rank} axes (1 where {@code s} has none). */
    private static long at(long[] s, int d, int rank) {
        int i = d - (rank - s.length);
        return i < 0 ? 1 : s[i];
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        int rank = output.length;
        long[] a = aligned(inputs[0], rank);
        long[] b = aligned(inputs[1], rank);
        return Products.matmul(a, transposeA, b, transposeB, output);
    }

    private static long[] aligned(long[] s, int rank) {
        long[] out = new long[rank];
        for (int d = 0; d < rank; d++) out[d] = at(s, d, rank);
        return out;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (transposeA) c.put("transpose_a", true);
        if (transposeB) c.put("transpose_b", true);
        return c;
    }
}

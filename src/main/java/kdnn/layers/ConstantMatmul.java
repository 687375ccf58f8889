package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.InnerProducts;
import kdnn.runtime.Pipeline;

/**
 * {@code x @ b} of a tensor and a constant matrix in the file ({@code b} of shape {@code (K, N)}, or
 * {@code (N, K)} transposed): tf.keras' TFOpLambda of {@code tf.linalg.matmul(x, b)} and Keras 3's
 * {@code ops.matmul(x, b)} with a constant (a fixed projection, a colour-space matrix); the
 * constant's dims multiply the last axis of {@code x}, its other axes broadcast. One oneDNN matmul,
 * the matrix held in native memory owned by the layer; a file keeps the form it came in.
 */
public final class ConstantMatmul extends Layer implements KerasOperation {
    /** kdnn's class name, {@code "ConstantMatmul"} (Keras 3's operation is its {@code Matmul}). */
    public static final String CLASS_NAME = "ConstantMatmul";

    private final JsonNode b;
    private final boolean transposeB;
    private final int k;
    private final int n;
    private final MemorySegment kernel; // (K, N) row-major, in the layer's arena
    private final double gain;          // the largest column sum of |b|: what one output takes from the inputs

    private ConstantMatmul(String name, boolean trainable, JsonNode b, boolean transposeB, float[][] rows) {
        super(name, null, trainable);
        this.b = b;
        this.transposeB = transposeB;
        int r = rows.length;
        int c = rows[0].length;
        this.k = transposeB ? c : r;
        this.n = transposeB ? r : c;
        this.kernel = arena.allocate((long) k * n * Float.BYTES, 64);
        double most = 0;
        for (int j = 0; j < n; j++) {
            double column = 0;
            for (int i = 0; i < k; i++) {
                float v = transposeB ? rows[j][i] : rows[i][j];
                kernel.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j, v);
                column += Math.abs(v);
            }
            most = Double.isNaN(column) || Double.isNaN(most) ? Double.NaN : Math.max(most, column);
        }
        this.gain = most;
    }

    /** From kdnn's config form: {@code b} a matrix (a list of equal rows of numbers), {@code transpose_b}. */
    public static ConstantMatmul fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode b = r.node("b");
        boolean transposeB = r.bool("transpose_b", false);
        r.finish();
        if (!b.isArray() || b.isEmpty() || !b.get(0).isArray() || b.get(0).isEmpty()) {
            throw new IllegalArgumentException("ConstantMatmul's `b` must be a matrix (a non-empty list of rows) in the"
                    + " file; kdnn multiplies by a 2-D constant. Received: b=" + abbreviated(b));
        }
        int cols = b.get(0).size();
        float[][] rows = new float[b.size()][];
        for (int i = 0; i < rows.length; i++) {
            JsonNode row = b.get(i);
            if (!row.isArray() || row.size() != cols) {
                throw new IllegalArgumentException("ConstantMatmul's `b` must have rows of one length (" + cols
                        + "); row " + i + " is " + abbreviated(row));
            }
            rows[i] = new float[cols];
            for (int j = 0; j < cols; j++) {
                if (!row.get(j).isNumber()) {
                    throw new IllegalArgumentException("ConstantMatmul's `b` must hold numbers; b[" + i + "][" + j + "] is "
                            + row.get(j));
                }
                rows[i][j] = row.get(j).floatValue();
            }
        }
        return new ConstantMatmul(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, b.deepCopy(), transposeB,
                rows);
    }

    private static String abbreviated(JsonNode v) {
        String s = String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "linalg.matmul";
    }

    /** True where the file gave {@code b} transposed ({@code transpose_b=True}), which Keras 3's matmul cannot say. */
    public boolean transposeB() {
        ensureOpen();
        return transposeB;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 2) throw incompatible(shape, "matmul needs a tensor of rank >= 2, found ndim=" + shape.length);
        long last = shape[shape.length - 1];
        if (last >= 0 && last != k) {
            throw incompatible(shape, "Matrix size-incompatible: In[0]: [" + (shape.length > 2 ? shape[shape.length - 2]
                    : shape[0]) + "," + last + "], In[1]: [" + k + "," + n + "]");
        }
        long[] out = shape.clone();
        out[out.length - 1] = n;
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // the constant is part of the config, not a weight
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(computeOutputShape(inputShape)) * k;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound * gain * (1 + 0x1p-5);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (inputShape[inputShape.length - 1] < 0) throw incompatible(inputShape, "the last axis must have a known length");
        long rows = 1;
        for (int d = 0; d < inputShape.length - 1; d++) rows *= inputShape[d];
        Activation linear = Activation.LINEAR;
        return InnerProducts.dense(rows, k, n, kernel, null, linear.postOps(), linear.tail(1, n, 1), inputShape.length > 2);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("b", b.deepCopy());
        if (transposeB) c.put("transpose_b", true);
        return c;
    }

    /** The constant as Keras 3's matmul takes it: the (K, N) matrix. */
    public ArrayNode keras3Operand() {
        ensureOpen();
        ArrayNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < k; i++) {
            ArrayNode row = out.addArray();
            for (int j = 0; j < n; j++) row.add(kernel.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j));
        }
        return out;
    }
}

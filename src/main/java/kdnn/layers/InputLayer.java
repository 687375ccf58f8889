package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.Tensor;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code InputLayer}: where a functional model's input enters. It computes nothing; it
 * declares the input's shape (batch first, -1 for unknown) and checks what is fed to it.
 */
public final class InputLayer extends Layer {
    /** Keras' class name, {@code "InputLayer"}. */
    public static final String CLASS_NAME = "InputLayer";

    /** The dtypes an input may declare: float32, or integers (token indices, 8- or 16-bit images). */
    private static final java.util.Map<String, double[]> INTEGER_RANGES = java.util.Map.of(
            "uint8", new double[] {0, 255}, "int8", new double[] {-128, 127}, "uint16", new double[] {0, 65535},
            "int16", new double[] {-32768, 32767}, "int32", new double[] {-0x1p31, 0x1p31 - 1},
            "int64", new double[] {-0x1p63, 0x1p63});
    private static final java.util.Set<String> DTYPES = java.util.Set.of("float32", "uint8", "int8", "uint16", "int16",
            "int32", "int64");

    private final String dtype;

    private InputLayer(String name, long[] batchInputShape, String dtype) {
        super(name, batchInputShape, true);
        this.dtype = dtype;
    }

    /** An input of this shape (batch first; -1 for an unknown dimension). */
    public static InputLayer of(String name, long... batchInputShape) {
        return of(name, "float32", batchInputShape);
    }

    /**
     * An input of this shape and dtype: {@code "float32"}, or an integer dtype ({@code "uint8"},
     * {@code "int8"}, {@code "uint16"}, {@code "int16"}, {@code "int32"}, {@code "int64"}) for
     * values fed as float32 that must be whole numbers in the dtype's range, read only by the layers
     * Keras lets read integers (Embedding, Rescaling, Normalization, a cast to float32).
     */
    public static InputLayer of(String name, String dtype, long... batchInputShape) {
        if (!DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("InputLayer `dtype` must be one of " + new java.util.TreeSet<>(DTYPES)
                    + ", got \"" + dtype + "\"");
        }
        if (batchInputShape.length == 0) {
            throw new IllegalArgumentException("InputLayer needs a shape: got an empty `batch_input_shape`");
        }
        for (long d : batchInputShape) {
            if (d < -1) {
                throw new IllegalArgumentException("InputLayer `batch_input_shape` dims must be >= 0 or None, got "
                        + Shapes.format(batchInputShape));
            }
        }
        return new InputLayer(name == null ? LayerNames.next("input") : name, batchInputShape, dtype);
    }

    /** Keras' {@code from_config}: {@code batch_input_shape}, {@code dtype} float32, {@code sparse} and {@code ragged} false. */
    public static InputLayer fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config, DTYPES);
        String name = r.string("name", null);
        long[] shape = r.batchInputShape();
        r.node("batch_input_shape");
        r.node("input_shape");
        if (shape == null) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\" has no `batch_input_shape`: kdnn needs the"
                    + " input's rank and non-batch dimensions");
        }
        if (r.bool("sparse", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `sparse=True` inputs are not supported"
                    + " (kdnn computes on dense float32 tensors)");
        }
        if (r.bool("ragged", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `ragged=True` inputs are not supported");
        }
        if (r.bool("optional", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `optional=True` inputs (which may be None)"
                    + " are not supported");
        }
        String dtype = config.path("dtype").isTextual() ? config.get("dtype").asText() : "float32";
        r.finish();
        return of(name, dtype, shape);
    }

    /** The declared dtype: {@code "float32"}, or {@code "int32"}/{@code "int64"} (indices for an Embedding). */
    public String dtype() {
        return dtype;
    }

    /** True for an input of an integer dtype. */
    public boolean integer() {
        return !dtype.equals("float32");
    }

    /**
     * Refuses values an input of an integer dtype cannot hold (a fraction, NaN, an infinity, or a
     * number outside the dtype's range), naming the first; nothing for a float32 input.
     */
    public void checkValues(Tensor values) {
        double[] range = INTEGER_RANGES.get(dtype);
        if (range == null) return;
        java.lang.foreign.MemorySegment s = values.segment();
        for (long i = 0, n = s.byteSize() / Float.BYTES; i < n; i++) {
            float v = s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            if (!(v >= range[0] && v <= range[1] && v == Math.rint(v))) {
                throw new IllegalArgumentException("input \"" + name() + "\" is " + dtype + ": its value " + v + " at position " + i
                        + " is not a whole number in [" + (long) range[0] + ", " + (long) range[1] + "]");
            }
        }
    }

    /** The declared shape, batch first (-1: unknown). */
    public long[] shape() {
        return declaredInputShape();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] inputShape) {
        long[] declared = declaredInputShape();
        boolean ok = inputShape.length == declared.length;
        for (int i = 0; ok && i < declared.length; i++) {
            ok = declared[i] < 0 || inputShape[i] < 0 || declared[i] == inputShape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("Input 0 of layer \"" + name() + "\" is incompatible with the layer:"
                    + " expected shape=" + Shapes.format(declared) + ", found shape=" + Shapes.format(inputShape));
        }
        return inputShape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    boolean elementwise() {
        return true;
    }

    @Override
    boolean identityAtInference() {
        return true;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    @Override
    long work(long[] inputShape) {
        return Shapes.product(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int tag = Merges.plainTag(inputShape.length);
        return Merges.convert(inputShape, tag, tag);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.remove("trainable");
        c.put("dtype", dtype);
        c.put("sparse", false);
        c.put("ragged", false);
        return c;
    }
}

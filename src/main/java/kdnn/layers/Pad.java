package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Pipeline;
import kdnn.runtime.ShapeOps;

/**
 * {@code pad(x, paddings, constant_values)}: a constant border before and after any axes but the
 * batch's, what tf.keras saves as the TFOpLambda of {@code tf.pad} and Keras 3 as its {@code Pad}
 * operation (e.g. a CIFAR ResNet's shortcut padding its channels with zeros). The output filled
 * with the constant, the input reordered into its window by oneDNN. Zeros around the spatial axes
 * alone read as the ZeroPadding layers instead; reflecting and symmetric modes, and a batch axis
 * padded, are refused. Keras has no layer for it: a file keeps the form it came in.
 */
public final class Pad extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Pad"}. */
    public static final String CLASS_NAME = "Pad";

    private final int[][] paddings;
    private final double value;

    private Pad(String name, long[] batchInputShape, boolean trainable, int[][] paddings, double value) {
        super(name, batchInputShape, trainable);
        this.paddings = paddings;
        this.value = value;
    }

    /** From kdnn's config form: {@code paddings} a pair per axis, {@code constant_values} a number (default 0). */
    public static Pad fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        if (name == null) name = LayerNames.next(CLASS_NAME);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode p = r.node("paddings");
        if (!p.isArray() || p.isEmpty()) throw ConfigReader.bad("paddings", p, "a [before, after] pair per axis");
        int[][] paddings = new int[p.size()][];
        for (int a = 0; a < p.size(); a++) {
            JsonNode pair = p.get(a);
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isIntegralNumber() || !pair.get(1).isIntegralNumber()
                    || pair.get(0).asInt() < 0 || pair.get(1).asInt() < 0) {
                throw ConfigReader.bad("paddings", p, "a [before, after] pair of non-negative ints per axis");
            }
            paddings[a] = new int[] {pair.get(0).asInt(), pair.get(1).asInt()};
        }
        if (paddings[0][0] != 0 || paddings[0][1] != 0) {
            throw new IllegalArgumentException("Pad \"" + name + "\": kdnn keeps the batch axis; paddings="
                    + p + " pads it");
        }
        String mode = r.string("mode", "constant");
        if (!mode.equalsIgnoreCase("constant")) {
            throw new IllegalArgumentException("Pad \"" + name + "\": mode=\"" + mode + "\" is not supported by kdnn (it"
                    + " pads with a constant)");
        }
        JsonNode v = r.node("constant_values");
        if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad("constant_values", v, "a number");
        r.finish();
        return Layer.builtFor(new Pad(name, batchInputShape, trainable, paddings, v.isNull() ? 0 : v.asDouble()),
                batchInputShape);
    }

    @Override
    public String tfFunction() {
        return "pad";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The constant the border holds. */
    public double constantValue() {
        ensureOpen();
        return value;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != paddings.length) {
            throw incompatible(shape, "paddings has " + paddings.length + " pairs, for an input of rank " + paddings.length);
        }
        long[] out = shape.clone();
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) throw incompatible(shape, "every dimension but the batch must be positive");
            if (shape[a] > 0) out[a] = shape[a] + paddings[a][0] + paddings[a][1];
        }
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] offsets = new long[paddings.length];
        for (int a = 0; a < offsets.length; a++) offsets[a] = paddings[a][0];
        return ShapeOps.padWith(inputShape, computeOutputShape(inputShape), offsets, (float) value);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode p = c.putArray("paddings");
        for (int[] pair : paddings) p.addArray().add(pair[0]).add(pair[1]);
        c.put("mode", "constant");
        c.put("constant_values", value);
        return c;
    }
}

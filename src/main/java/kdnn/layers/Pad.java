package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Pipeline;
import kdnn.runtime.ShapeOps;

/**
 * {@code pad(x, paddings, mode, constant_values)}: a border before and after any axes but the
 * batch's, what tf.keras saves as the TFOpLambda of {@code tf.pad} and Keras 3 as its {@code Pad}
 * operation: a constant (e.g. a CIFAR ResNet's shortcut padding its channels with zeros; the
 * output filled with it, the input reordered into its window by oneDNN), or the input mirrored
 * about its edges, {@code "reflect"} without repeating the edge and {@code "symmetric"} repeating
 * it (CycleGAN's and style transfer's generators pad so before their convolutions; each border
 * slice one oneDNN reorder of the slice it mirrors). As tf.pad, a mirrored pad is at most the
 * axis' size less one ({@code reflect}) or its size ({@code symmetric}). Zeros around the spatial
 * axes alone read as the ZeroPadding layers instead; other modes, and a batch axis padded, are
 * refused. Keras has no layer for it: a file keeps the form it came in.
 */
public final class Pad extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Pad"}. */
    public static final String CLASS_NAME = "Pad";

    /** The modes kdnn pads with, by their names in Keras 3's config (tf.pad's in capitals). */
    public static final java.util.List<String> MODES = java.util.List.of("constant", "reflect", "symmetric");

    private final int[][] paddings;
    private final String mode;
    private final double value;

    private Pad(String name, long[] batchInputShape, boolean trainable, int[][] paddings, String mode, double value) {
        super(name, batchInputShape, trainable);
        this.paddings = paddings;
        this.mode = mode;
        this.value = value;
    }

    /**
     * From kdnn's config form: {@code paddings} a pair per axis, {@code mode} one of {@link #MODES}
     * in any case (default constant), {@code constant_values} a number (default 0).
     */
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
        String given = r.string("mode", "constant");
        String mode = given.toLowerCase(java.util.Locale.ROOT);
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("Pad \"" + name + "\": mode=\"" + given + "\" is not supported by kdnn (it"
                    + " pads with one of " + MODES + ")");
        }
        JsonNode v = r.node("constant_values");
        if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad("constant_values", v, "a number");
        r.finish();
        return Layer.builtFor(new Pad(name, batchInputShape, trainable, paddings, mode, v.isNull() ? 0 : v.asDouble()),
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

    /** How the border is filled: {@code "constant"}, {@code "reflect"} or {@code "symmetric"}. */
    public String mode() {
        ensureOpen();
        return mode;
    }

    /** The constant the border holds (in the constant mode). */
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
            // tf.pad's own limits and wording (MirrorPad)
            long most = mode.equals("reflect") ? shape[a] - 1 : shape[a];
            if (shape[a] > 0 && !mode.equals("constant") && (paddings[a][0] > most || paddings[a][1] > most)) {
                throw incompatible(shape, mode.equals("reflect")
                        ? "paddings must be less than the dimension size: " + paddings[a][0] + ", " + paddings[a][1]
                                + " not less than " + shape[a]
                        : "paddings must be no greater than the dimension size: " + paddings[a][0] + ", " + paddings[a][1]
                                + " greater than " + shape[a]);
            }
        }
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] offsets = new long[paddings.length];
        for (int a = 0; a < offsets.length; a++) offsets[a] = paddings[a][0];
        long[] outputShape = computeOutputShape(inputShape);
        return mode.equals("constant") ? ShapeOps.padWith(inputShape, outputShape, offsets, (float) value)
                : ShapeOps.padMirrored(inputShape, outputShape, offsets, mode.equals("symmetric"));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode p = c.putArray("paddings");
        for (int[] pair : paddings) p.addArray().add(pair[0]).add(pair[1]);
        c.put("mode", mode);
        c.put("constant_values", value);
        return c;
    }
}

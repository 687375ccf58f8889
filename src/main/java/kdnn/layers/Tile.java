package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * {@code tile(x, repeats)}: each axis holding {@code repeats[a]} copies of the input's, as NumPy
 * tiles (fewer repeats than axes count from the last axis, the others once); what tf.keras saves
 * as the TFOpLambda of {@code tf.tile} and Keras 3 as its {@code Tile} operation (e.g. a global
 * feature spread over the sides). The batch axis is tiled once: more would make more samples than
 * the call has. One reorder: every value arrives bit for bit.
 */
public final class Tile extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Tile"}. */
    public static final String CLASS_NAME = "Tile";

    private final int[] repeats;

    private Tile(String name, long[] batchInputShape, boolean trainable, int[] repeats) {
        super(name, batchInputShape, trainable);
        this.repeats = repeats;
    }

    /** From kdnn's config form: {@code repeats}, one count per axis (the batch's first) or per trailing axis. */
    public static Tile fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode given = r.node("repeats");
        int[] repeats = given.isArray() ? ConfigReader.tuple("repeats", given, given.size())
                : given.isIntegralNumber() ? new int[] {ConfigReader.toInt("repeats", given)} : null;
        if (repeats == null || repeats.length == 0) throw ConfigReader.bad("repeats", given, "a list of counts, one per axis");
        for (int n : repeats) {
            if (n < 1) {
                throw new IllegalArgumentException("Tile's `repeats` must be at least 1 (kdnn makes no empty tensors)."
                        + " Received: repeats=" + given);
            }
        }
        r.finish();
        return Layer.builtFor(new Tile(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape, trainable,
                repeats), batchInputShape);
    }

    /** The counts, as given. */
    public int[] repeats() {
        ensureOpen();
        return repeats.clone();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "tile";
    }

    /** The counts for an input of this rank, NumPy's way: missing leading ones are 1. */
    private int[] perAxis(long[] shape) {
        if (repeats.length > shape.length) {
            throw incompatible(shape, "repeats=" + Shapes.format(repeats) + " has more counts than the input has axes,"
                    + " which would add leading axes before the batch's");
        }
        int[] out = new int[shape.length];
        java.util.Arrays.fill(out, 1);
        System.arraycopy(repeats, 0, out, shape.length - repeats.length, repeats.length);
        if (out[0] != 1) {
            throw incompatible(shape, "repeats=" + Shapes.format(repeats) + " tiles the batch axis " + out[0]
                    + " times; kdnn keeps a call's samples as they are");
        }
        return out;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int[] reps = perAxis(shape);
        long[] out = shape.clone();
        for (int a = 1; a < shape.length; a++) out[a] = shape[a] < 0 ? -1 : shape[a] * reps[a];
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Copies.tile(inputShape, perAxis(inputShape));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        var a = c.putArray("repeats");
        for (int n : repeats) a.add(n);
        return c;
    }
}

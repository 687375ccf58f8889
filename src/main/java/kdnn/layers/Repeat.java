package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * {@code repeat(x, repeats, axis)}: each element {@code repeats} times in a row along {@code axis},
 * as NumPy repeats; what tf.keras saves as the TFOpLambda of {@code tf.repeat} and Keras 3 as its
 * {@code Repeat} operation. One count for every element, and a named axis other than the batch's
 * ({@code axis=None} flattens the batch with the rest). One reorder: every value arrives bit for bit.
 */
public final class Repeat extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Repeat"}. */
    public static final String CLASS_NAME = "Repeat";

    private final int repeats;
    private final int axis;

    private Repeat(String name, long[] batchInputShape, boolean trainable, int repeats, int axis) {
        super(name, batchInputShape, trainable);
        this.repeats = repeats;
        this.axis = axis;
    }

    /** From kdnn's config form: {@code repeats} one count, {@code axis} an axis counted with the batch's. */
    public static Repeat fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode given = r.node("repeats");
        if (given.isArray() && given.size() == 1) given = given.get(0);
        if (!given.isIntegralNumber() || !given.canConvertToInt() || given.intValue() < 1) {
            throw new IllegalArgumentException("Repeat's `repeats` must be one count of at least 1 (kdnn repeats every"
                    + " element as often). Received: repeats=" + r.node("repeats"));
        }
        JsonNode a = r.node("axis");
        if (a.isNull()) {
            throw new IllegalArgumentException("Repeat with axis=None flattens the input, the batch axis with the rest;"
                    + " kdnn repeats along a named axis");
        }
        int axis = ConfigReader.toInt("axis", a);
        r.finish();
        return Layer.builtFor(new Repeat(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape, trainable,
                given.intValue(), axis), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "repeat";
    }

    private int axisOf(long[] shape) {
        if (axis < -shape.length || axis >= shape.length) {
            throw incompatible(shape, "axis " + axis + " is out of bounds for an input of " + shape.length + " axes");
        }
        int a = axis < 0 ? axis + shape.length : axis;
        if (a == 0) throw incompatible(shape, "axis=" + axis + " repeats the batch axis; kdnn keeps a call's samples as they are");
        return a;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int a = axisOf(shape);
        long[] out = shape.clone();
        out[a] = shape[a] < 0 ? -1 : shape[a] * repeats;
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Copies.repeat(inputShape, axisOf(inputShape), repeats);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("repeats", repeats);
        c.put("axis", axis);
        return c;
    }
}

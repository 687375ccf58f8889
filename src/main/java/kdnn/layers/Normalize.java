package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Axes;
import kdnn.runtime.LayerNorms;
import kdnn.runtime.Pipeline;

/**
 * Keras 3's {@code ops.normalize(x, axis, order=2, epsilon)} (its {@code Normalize} operation, e.g.
 * an embedding scaled to unit length): {@code x * min(rsqrt(sum(x * x)), 1 / epsilon)} per slice of
 * {@code axis}, as Keras computes the L2 case, epsilon {@code backend.epsilon()} (1e-7) when None.
 * Other orders are refused by name. tf.keras has no such function: only {@code .keras} holds it.
 */
public final class Normalize extends L2Scaling implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Normalize"}. */
    public static final String CLASS_NAME = "Normalize";

    private final JsonNode epsilon; // as given: null for Keras' epsilon

    private Normalize(String name, long[] batchInputShape, boolean trainable, Axes axis, JsonNode epsilon) {
        super(name, batchInputShape, trainable, axis);
        this.epsilon = epsilon;
    }

    /** From Keras 3's config: {@code axis} an int or a list, {@code order} 2, {@code epsilon} a number or null. */
    public static Normalize fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        Axes axis = NormalizedAxes.read(r);
        NormalizedAxes.validate(CLASS_NAME, axis);
        JsonNode order = r.node("order");
        if (!order.isNull() && !(order.isIntegralNumber() && order.asInt() >= 1)) {
            throw new IllegalArgumentException("Argument `order` must be an int >= 1. Received: order=" + order);
        }
        if (!order.isNull() && order.asInt() != 2) {
            throw new IllegalArgumentException("Normalize with order=" + order + " is not supported by kdnn: it computes"
                    + " the L2 case (order=2)");
        }
        JsonNode epsilon = r.node("epsilon");
        if (!epsilon.isNull() && !(epsilon.isNumber() && epsilon.asDouble() > 0)) {
            throw ConfigReader.bad("epsilon", epsilon, "a positive number or None");
        }
        r.finish();
        return Layer.builtFor(new Normalize(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape, trainable,
                axis, epsilon.isNull() ? null : epsilon.deepCopy()), batchInputShape);
    }

    /** The lower bound of the norm: the epsilon given, or Keras' {@code backend.epsilon()}. */
    public double epsilon() {
        ensureOpen();
        return epsilon == null ? 1e-7 : epsilon.asDouble();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "keras.ops.normalize";
    }

    @Override
    public String keras3Module() {
        return "keras.src.ops.nn";
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return LayerNorms.normalize(inputShape, sortedAxes(inputShape), epsilon());
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        c.put("order", 2);
        if (epsilon == null) c.putNull("epsilon"); else c.set("epsilon", epsilon.deepCopy());
        return c;
    }
}

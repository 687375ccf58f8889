package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import static kdnn.keras.KerasJson.number;
import static kdnn.keras.KerasJson.seed;
import static kdnn.keras.KerasJson.string;

/** Keras 2's {@code initializers.get}: names, aliases and serialized configs to {@link Initializer}s. */
public final class Initializers {
    private Initializers() {}

    private record Entry(Set<String> keys, BiFunction<ObjectNode, String, Initializer> make) {}

    private static final Map<String, Entry> TABLE = new HashMap<>();

    private static void register(String className, String alias, Set<String> keys,
                                 BiFunction<ObjectNode, String, Initializer> make) {
        Set<String> allowed = new HashSet<>(keys);
        allowed.add("dtype"); // Keras' Initializer.from_config drops it; old configs carry it
        if (keys.contains("seed") && (className.startsWith("Glorot") || className.startsWith("He")
                || className.startsWith("Lecun") || className.equals("VarianceScaling"))) {
            // Keras 3.15 writes the axes its fans are computed over; null means Keras 2's own
            allowed.add("input_axes");
            allowed.add("output_axes");
            BiFunction<ObjectNode, String, Initializer> plain = make;
            make = (c, o) -> {
                for (String k : new String[] {"input_axes", "output_axes"}) {
                    if (c.hasNonNull(k)) {
                        throw new IllegalArgumentException("initializer '" + o + "': `" + k + "`=" + c.get(k)
                                + " is not supported (only the default fans, null)");
                    }
                }
                return plain.apply(c, o);
            };
        }
        Entry e = new Entry(allowed, make);
        TABLE.put(className, e);
        TABLE.put(alias, e);
    }

    static {
        register("Zeros", "zeros", Set.of(), (c, o) -> new Zeros());
        register("Ones", "ones", Set.of(), (c, o) -> new Ones());
        register("Constant", "constant", Set.of("value"), (c, o) -> new Constant(number(c, "value", 0.0, o)));
        register("RandomNormal", "random_normal", Set.of("mean", "stddev", "seed"),
                (c, o) -> new RandomNormal(number(c, "mean", 0.0, o), number(c, "stddev", 0.05, o), seed(c, o)));
        register("RandomUniform", "random_uniform", Set.of("minval", "maxval", "seed"),
                (c, o) -> new RandomUniform(number(c, "minval", -0.05, o), number(c, "maxval", 0.05, o), seed(c, o)));
        register("TruncatedNormal", "truncated_normal", Set.of("mean", "stddev", "seed"),
                (c, o) -> new TruncatedNormal(number(c, "mean", 0.0, o), number(c, "stddev", 0.05, o), seed(c, o)));
        register("VarianceScaling", "variance_scaling", Set.of("scale", "mode", "distribution", "seed"),
                (c, o) -> new VarianceScaling(number(c, "scale", 1.0, o), string(c, "mode", "fan_in", o),
                        string(c, "distribution", "truncated_normal", o), seed(c, o)));
        register("Orthogonal", "orthogonal", Set.of("gain", "seed"),
                (c, o) -> new Orthogonal(number(c, "gain", 1.0, o), seed(c, o)));
        register("Identity", "identity", Set.of("gain"), (c, o) -> new Identity(number(c, "gain", 1.0, o)));
        register("GlorotUniform", "glorot_uniform", Set.of("seed"), (c, o) -> VarianceScaling.glorotUniform(seed(c, o)));
        register("GlorotNormal", "glorot_normal", Set.of("seed"), (c, o) -> VarianceScaling.glorotNormal(seed(c, o)));
        register("HeNormal", "he_normal", Set.of("seed"), (c, o) -> VarianceScaling.heNormal(seed(c, o)));
        register("HeUniform", "he_uniform", Set.of("seed"), (c, o) -> VarianceScaling.heUniform(seed(c, o)));
        register("LecunNormal", "lecun_normal", Set.of("seed"), (c, o) -> VarianceScaling.lecunNormal(seed(c, o)));
        register("LecunUniform", "lecun_uniform", Set.of("seed"), (c, o) -> VarianceScaling.lecunUniform(seed(c, o)));
        // Keras' short names of the random initializers (Embedding's default is "uniform")
        TABLE.put("uniform", TABLE.get("RandomUniform"));
        TABLE.put("normal", TABLE.get("RandomNormal"));
        // TensorFlow.js spells these with a capital C
        TABLE.put("LeCunNormal", TABLE.get("LecunNormal"));
        TABLE.put("LeCunUniform", TABLE.get("LecunUniform"));
    }

    /**
     * A string name or {@code {"class_name", "config"}} object to an initializer;
     * null or JSON null gives null, as Keras' {@code get(None)} does.
     *
     * @throws IllegalArgumentException for unknown names or config keys and invalid values
     */
    public static Initializer get(JsonNode spec) {
        if (KerasJson.isNone(spec)) return null;
        KerasJson.Spec s = KerasJson.spec(spec, "initializer");
        Entry e = KerasJson.lookup(TABLE, s.name(), "initializer");
        KerasJson.checkKeys(s.config(), "initializer", s.name(), e.keys());
        return e.make().apply(s.config(), s.name());
    }

    /** Convenience for a bare name such as {@code "glorot_uniform"}. */
    public static Initializer get(String name) {
        return name == null ? null : get(KerasJson.MAPPER.getNodeFactory().textNode(name));
    }

    /** Every accepted class name and alias. */
    public static Set<String> names() {
        return Set.copyOf(TABLE.keySet());
    }
}

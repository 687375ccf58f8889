package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import static kdnn.keras.KerasJson.axes;
import static kdnn.keras.KerasJson.number;

/** Keras 2's {@code constraints.get}: names and serialized configs to {@link Constraint}s. */
public final class Constraints {
    private Constraints() {}

    private record Entry(Set<String> keys, BiFunction<ObjectNode, String, Constraint> make) {}

    private static final Map<String, Entry> TABLE = new HashMap<>();

    private static void register(String className, String alias, Set<String> keys,
                                 BiFunction<ObjectNode, String, Constraint> make) {
        Entry e = new Entry(keys, make);
        TABLE.put(className, e);
        TABLE.put(alias, e);
    }

    static {
        register("MaxNorm", "max_norm", Set.of("max_value", "axis"),
                (c, o) -> new MaxNorm(number(c, "max_value", 2.0, o), axes(c, "axis", o)));
        register("NonNeg", "non_neg", Set.of(), (c, o) -> new NonNeg());
        register("UnitNorm", "unit_norm", Set.of("axis"), (c, o) -> new UnitNorm(axes(c, "axis", o)));
        register("MinMaxNorm", "min_max_norm", Set.of("min_value", "max_value", "rate", "axis"),
                (c, o) -> new MinMaxNorm(number(c, "min_value", 0.0, o), number(c, "max_value", 1.0, o),
                        number(c, "rate", 1.0, o), axes(c, "axis", o)));
    }

    /**
     * A string name or {@code {"class_name", "config"}} object to a constraint;
     * null or JSON null means no constraint and gives null.
     *
     * @throws IllegalArgumentException for unknown names or config keys and invalid values
     */
    public static Constraint get(JsonNode spec) {
        if (KerasJson.isNone(spec)) return null;
        KerasJson.Spec s = KerasJson.spec(spec, "constraint");
        Entry e = KerasJson.lookup(TABLE, s.name(), "constraint");
        KerasJson.checkKeys(s.config(), "constraint", s.name(), e.keys());
        return e.make().apply(s.config(), s.name());
    }

    /**
     * The constraint Keras names {@code name} (e.g. {@code "max_norm"}), with its default arguments.
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Constraint get(String name) {
        return name == null ? null : get(KerasJson.MAPPER.getNodeFactory().textNode(name));
    }

    /** The names {@link #get(String)} knows. */
    public static Set<String> names() {
        return Set.copyOf(TABLE.keySet());
    }
}

package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import static kdnn.keras.KerasJson.number;

/** Keras 2's {@code regularizers.get}: names and serialized configs to {@link Regularizer}s. */
public final class Regularizers {
    private Regularizers() {}

    private record Entry(Set<String> keys, BiFunction<ObjectNode, String, Regularizer> make) {}

    private static final Map<String, Entry> TABLE = new HashMap<>();

    static {
        // The L1L2 class defaults to 0.0 for both factors ...
        TABLE.put("L1L2", new Entry(Set.of("l1", "l2"),
                (c, o) -> new L1L2(number(c, "l1", 0.0, o), number(c, "l2", 0.0, o))));
        // ... but the "l1_l2" shortcut defaults to 0.01 for both (Keras special-cases the string).
        TABLE.put("l1_l2", new Entry(Set.of("l1", "l2"),
                (c, o) -> new L1L2(number(c, "l1", 0.01, o), number(c, "l2", 0.01, o))));
        // "l" is the pre-2.x argument name, still accepted by Keras 2's L1/L2.
        Entry l1 = new Entry(Set.of("l1", "l"),
                (c, o) -> new L1(number(c, "l", number(c, "l1", 0.01, o), o)));
        Entry l2 = new Entry(Set.of("l2", "l"),
                (c, o) -> new L2(number(c, "l", number(c, "l2", 0.01, o), o)));
        TABLE.put("L1", l1);
        TABLE.put("l1", l1);
        TABLE.put("L2", l2);
        TABLE.put("l2", l2);
    }

    /**
     * A string name or {@code {"class_name", "config"}} object to a regularizer;
     * null or JSON null means no regularizer and gives null.
     *
     * @throws IllegalArgumentException for unknown names or config keys and invalid values
     */
    public static Regularizer get(JsonNode spec) {
        if (KerasJson.isNone(spec)) return null;
        KerasJson.Spec s = KerasJson.spec(spec, "regularizer");
        Entry e = KerasJson.lookup(TABLE, s.name(), "regularizer");
        KerasJson.checkKeys(s.config(), "regularizer", s.name(), e.keys());
        return e.make().apply(s.config(), s.name());
    }

    /**
     * The regularizer Keras names {@code name} (e.g. {@code "l2"}), with its default factors.
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Regularizer get(String name) {
        return name == null ? null : get(KerasJson.MAPPER.getNodeFactory().textNode(name));
    }

    /** The names {@link #get(String)} knows. */
    public static Set<String> names() {
        return Set.copyOf(TABLE.keySet());
    }
}

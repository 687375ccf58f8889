package kdnn.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reading and writing Keras' {@code {"class_name": ..., "config": {...}}} objects, shared by the
 * initializer, regularizer and constraint factories so that each parses arguments the same way.
 */
public final class KerasJson {
    /** The mapper kdnn reads and writes Keras JSON with. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private KerasJson() {}

    /** A spec reduced to its class name (or alias) and its config object (empty for a bare string). */
    public record Spec(String name, ObjectNode config) {}

    /**
     * Parses JSON text.
     * @throws IllegalArgumentException for malformed JSON, with the parser's message
     */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Null or JSON null: the caller decides what "none" means. */
    public static boolean isNone(JsonNode spec) {
        return spec == null || spec.isNull() || spec.isMissingNode();
    }

    /**
     * Accepts a string name or a Keras serialized object. Keras 2.13+ adds "module" and
     * "registered_name" next to class_name; they carry nothing we need, so they are tolerated.
     */
    public static Spec spec(JsonNode spec, String kind) {
        if (spec.isTextual()) {
            return new Spec(spec.asText(), NODES.objectNode());
        }
        if (!spec.isObject()) {
            throw new IllegalArgumentException("Could not interpret " + kind + " identifier: " + spec
                    + ". Expected a string name or an object with \"class_name\" and \"config\"");
        }
        for (Iterator<String> it = spec.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!Set.of("class_name", "config", "module", "registered_name").contains(key)) {
                throw new IllegalArgumentException("Unknown key '" + key + "' in " + kind + " spec " + spec
                        + ". Expected one of [class_name, config, module, registered_name]");
            }
        }
        JsonNode className = spec.get("class_name");
        if (className == null || !className.isTextual()) {
            throw new IllegalArgumentException("Missing or non-string \"class_name\" in " + kind + " spec: " + spec);
        }
        JsonNode config = spec.get("config");
        if (config == null || config.isNull()) {
            return new Spec(className.asText(), NODES.objectNode());
        }
        if (!config.isObject()) {
            throw new IllegalArgumentException("\"config\" of " + kind + " '" + className.asText()
                    + "' must be an object, got: " + config);
        }
        return new Spec(className.asText(), (ObjectNode) config);
    }

    /** Looks a name up in a factory table, refusing unknown names with the list of known ones. */
    public static <T> T lookup(Map<String, T> table, String name, String kind) {
        T found = table.get(name);
        if (found == null) {
            throw new IllegalArgumentException("Unknown " + kind + ": '" + name + "'. Expected one of "
                    + new java.util.TreeSet<>(table.keySet()));
        }
        return found;
    }

    /** Keras' from_config passes config keys as constructor kwargs: an unknown key is an error there too. */
    public static void checkKeys(ObjectNode config, String kind, String className, Set<String> allowed) {
        for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("Unknown argument '" + key + "' in config of " + kind + " '"
                        + className + "'. Expected one of " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    /** Absent or null means the Keras default, as Python's keyword defaults do. */
    public static double number(ObjectNode config, String key, double fallback, String owner) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) {
            throw new IllegalArgumentException("Argument '" + key + "' of " + owner + " must be a number, got: " + v);
        }
        return v.doubleValue();
    }

    /**
     * The string at {@code key} of {@code config}, or {@code fallback} when absent or null.
     * @param owner the layer or object named in the error
     * @throws IllegalArgumentException when the value is not a string
     */
    public static String string(ObjectNode config, String key, String fallback, String owner) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual()) {
            throw new IllegalArgumentException("Argument '" + key + "' of " + owner + " must be a string, got: " + v);
        }
        return v.asText();
    }

    /** Keras seeds are Python ints or None. */
    public static Long seed(ObjectNode config, String owner) {
        JsonNode v = config.get("seed");
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("Argument 'seed' of " + owner + " must be an integer or null, got: " + v);
        }
        return v.longValue();
    }

    /** An axis argument: an int or a list of ints, kept in the form it was given for serialization. */
    public static Axes axes(ObjectNode config, String key, String owner) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return Axes.of(0);
        if (v.isIntegralNumber() && v.canConvertToInt()) return Axes.of(v.intValue());
        if (v.isArray()) {
            List<Integer> list = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw new IllegalArgumentException("Argument '" + key + "' of " + owner
                            + " must be an int or a list of ints, got: " + v);
                }
                list.add(e.intValue());
            }
            return Axes.ofList(list.stream().mapToInt(Integer::intValue).toArray());
        }
        throw new IllegalArgumentException("Argument '" + key + "' of " + owner
                + " must be an int or a list of ints, got: " + v);
    }

    /** A new, empty JSON object. */
    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** Keras' serialized form of one object. */
    public static ObjectNode serialized(String className, ObjectNode config) {
        ObjectNode node = NODES.objectNode();
        node.put("class_name", className);
        node.set("config", config);
        return node;
    }

    /** Writes {@code seed} (null: JSON null) as Keras writes an initializer's seed. */
    public static void putSeed(ObjectNode config, Long seed) {
        if (seed == null) config.putNull("seed");
        else config.put("seed", seed.longValue());
    }

    static ArrayNode intArray(int[] values) {
        ArrayNode a = NODES.arrayNode();
        for (int v : values) a.add(v);
        return a;
    }
}

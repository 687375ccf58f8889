package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a Keras layer config in every form Keras accepts (an int where a tuple is documented,
 * any letter case, null for the default) and refuses arguments the layer does not have.
 */
final class ConfigReader {
    /** Keys every Keras layer config may carry that do not change what a layer computes. */
    private static final Set<String> BASE_KEYS = Set.of("name", "trainable", "dtype", "batch_input_shape",
            "input_shape", "batch_size", "dynamic", "input_dtype", "autocast", "activity_regularizer");

    private final String className;
    private final JsonNode config;
    private final Set<String> read = new HashSet<>();

    ConfigReader(String className, JsonNode config) {
        this(className, config, Set.of("float32"));
    }

    /** A reader for a layer that may declare one of {@code dtypes} (an InputLayer's integer indices). */
    ConfigReader(String className, JsonNode config, Set<String> dtypes) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(className + ": `config` must be a JSON object, got " + config);
        }
        this.className = className;
        this.config = config;
        String dtype = config.path("dtype").asText("float32");
        if (!config.path("dtype").isNull() && !dtypes.contains(dtype)) {
            throw new IllegalArgumentException(className + ": `dtype` must be " + (dtypes.size() == 1
                    ? "\"float32\" (kdnn computes in float32)" : "one of " + new java.util.TreeSet<>(dtypes))
                    + ", got " + config.get("dtype"));
        }
        // Keras' base Layer takes an activity_regularizer on every layer (a training-time loss only)
        if (config.hasNonNull("activity_regularizer")) {
            try {
                keras3Checked(kdnn.keras.Regularizers.get(config.get("activity_regularizer")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(className + ": invalid `activity_regularizer`: " + e.getMessage(), e);
            }
        }
    }

    /**
     * {@code r}, refused where a Keras 3 file gives a negative factor: Keras 3's regularizers
     * refuse them ({@code validate_float_arg}), tf.keras' take them.
     */
    static kdnn.keras.Regularizer keras3Checked(kdnn.keras.Regularizer r) {
        if (Layers.readingVersion() != KerasVersion.KERAS_3) return r;
        if (r instanceof kdnn.keras.L1 l) nonNegativeFactor("l1", l.l1());
        if (r instanceof kdnn.keras.L2 l) nonNegativeFactor("l2", l.l2());
        if (r instanceof kdnn.keras.L1L2 l) {
            nonNegativeFactor("l1", l.l1());
            nonNegativeFactor("l2", l.l2());
        }
        return r;
    }

    /** Keras 3's {@code validate_float_arg}. */
    static void nonNegativeFactor(String name, double value) {
        if (value < 0) {
            throw new IllegalArgumentException("Invalid value for argument " + name + ": expected a non-negative float."
                    + " Received: " + name + "=" + value);
        }
    }

    /** The value, or a JSON null when absent. */
    JsonNode node(String key) {
        read.add(key);
        JsonNode n = config.get(key);
        return n == null ? NullNode.getInstance() : n;
    }

    boolean has(String key) {
        return config.hasNonNull(key);
    }

    String string(String key, String fallback) {
        JsonNode n = node(key);
        if (n.isNull()) return fallback;
        if (!n.isTextual()) throw bad(key, n, "a string");
        return n.asText();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode n = node(key);
        if (n.isNull()) return fallback;
        if (!n.isBoolean()) throw bad(key, n, "true or false");
        return n.asBoolean();
    }

    int integer(String key, int fallback) {
        JsonNode n = node(key);
        if (n.isNull()) return fallback;
        return toInt(key, n);
    }

    /** A number, or null when absent or JSON null. */
    Double number(String key) {
        JsonNode n = node(key);
        if (n.isNull()) return null;
        if (!n.isNumber()) throw bad(key, n, "a number");
        return n.doubleValue();
    }

    /** A number; the fallback when absent, and an error for JSON null (an argument Keras refuses None for). */
    double number(String key, double fallback) {
        boolean present = config.has(key);
        Double v = number(key);
        if (v == null && present) throw bad(key, NullNode.getInstance(), "a number");
        return v == null ? fallback : v;
    }

    /** An integer, or null when absent or JSON null. */
    Integer optionalInteger(String key) {
        JsonNode n = node(key);
        return n.isNull() ? null : toInt(key, n);
    }

    /** Keras' {@code normalize_tuple}: an int repeated {@code rank} times, or exactly {@code rank} ints. */
    int[] tuple(String key, int rank, int[] fallback) {
        JsonNode n = node(key);
        if (n.isNull()) return fallback == null ? null : fallback.clone();
        return tuple(key, n, rank);
    }

    static int[] tuple(String key, JsonNode n, int rank) {
        int[] out = new int[rank];
        if (n.isArray()) {
            if (n.size() != rank) {
                throw new IllegalArgumentException("The `" + key + "` argument must be a tuple of " + rank
                        + " integers. Received: " + n);
            }
            for (int i = 0; i < rank; i++) out[i] = toInt(key, n.get(i));
        } else {
            java.util.Arrays.fill(out, toInt(key, n));
        }
        return out;
    }

    static int toInt(String key, JsonNode n) {
        if (n.isIntegralNumber() && n.canConvertToInt()) return n.intValue();
        if (n.isNumber() && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw bad(key, n, "an integer");
    }

    /** Keras' initializer argument {@code key}, {@code fallback} when absent or null; a refusal names the key. */
    kdnn.keras.Initializer initializer(String key, String fallback) {
        JsonNode n = node(key);
        return argument(key, () -> kdnn.keras.Initializers.get(n.isNull()
                ? com.fasterxml.jackson.databind.node.TextNode.valueOf(fallback) : n));
    }

    /** Keras' regularizer argument {@code key} (null for none); a refusal names the key. */
    kdnn.keras.Regularizer regularizer(String key) {
        return argument(key, () -> keras3Checked(kdnn.keras.Regularizers.get(node(key))));
    }

    /** Keras' constraint argument {@code key} (null for none); a refusal names the key. */
    kdnn.keras.Constraint constraint(String key) {
        return argument(key, () -> kdnn.keras.Constraints.get(node(key)));
    }

    /** Reads one argument; a refusal that does not say which argument gets its name in front. */
    static <T> T argument(String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(key)) throw e;
            throw new IllegalArgumentException("`" + key + "`: " + e.getMessage(), e);
        }
    }

    static IllegalArgumentException bad(String key, JsonNode value, String expected) {
        return new IllegalArgumentException("Invalid value for argument `" + key + "`: expected " + expected
                + ". Received: " + key + "=" + value);
    }

    /**
     * Keras 3's LoRA arguments of Dense and Conv1D/2D/3D: {@code lora_rank} a positive int or null,
     * {@code lora_alpha} a number or null. Nothing to compute: Keras 3 stores the kernel with the
     * adapter merged into it (a legacy {@code .h5} stores the adapter's own weights, which then do
     * not fit the layer's two and are refused with the weights).
     */
    static void loraArguments(ConfigReader r) {
        JsonNode rank = r.node("lora_rank");
        if (!rank.isNull() && !(rank.isIntegralNumber() && rank.asLong() > 0)) {
            throw new IllegalArgumentException(r.className + ": `lora_rank` must be a positive integer or None, got " + rank);
        }
        JsonNode alpha = r.node("lora_alpha");
        if (!alpha.isNull() && !alpha.isNumber()) {
            throw new IllegalArgumentException(r.className + ": `lora_alpha` must be a number or None, got " + alpha);
        }
    }

    /**
     * A number, or a list of numbers broadcast against the last axis (Rescaling's {@code scale} and
     * {@code offset}, TrueDivide's {@code y}), as doubles.
     */
    static double[] numberOrList(String className, String key, JsonNode v) {
        List<JsonNode> items = new java.util.ArrayList<>();
        if (v.isArray()) v.forEach(items::add); else items.add(v);
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!items.get(i).isNumber()) {
                throw new IllegalArgumentException(className + " `" + key + "` must be a float or a list of floats (one per"
                        + " position of the last axis). Received: " + key + "=" + v);
            }
            out[i] = items.get(i).asDouble();
        }
        return out;
    }

    /** Refuses keys nothing read (Keras: an unexpected keyword argument). */
    void finish() {
        Iterator<String> names = config.fieldNames();
        List<String> unknown = new java.util.ArrayList<>();
        while (names.hasNext()) {
            String k = names.next();
            if (!read.contains(k) && !BASE_KEYS.contains(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(className + " got unexpected keyword argument(s) " + unknown
                    + " in its config");
        }
    }

    /** {@code batch_input_shape} (or {@code input_shape} with an unknown batch), or null. */
    long[] batchInputShape() {
        JsonNode n = config.get("batch_input_shape");
        int offset = 0;
        if (n == null || n.isNull()) {
            n = config.get("input_shape");
            offset = 1;
        }
        if (n == null || n.isNull()) return null;
        if (!n.isArray()) throw bad(offset == 0 ? "batch_input_shape" : "input_shape", n, "a list of dimensions");
        long[] shape = new long[n.size() + offset];
        if (offset == 1) shape[0] = -1;
        for (int i = 0; i < n.size(); i++) {
            shape[i + offset] = n.get(i).isNull() ? -1 : n.get(i).asLong();
        }
        return shape;
    }
}

package kdnn.reference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Reads Keras layer config values in every form Keras accepts: an int where a per-axis tuple is
 * documented, names in any letter case, missing or null entries meaning the Keras default.
 */
final class KerasConfig {
    private KerasConfig() {
    }

    static boolean absent(JsonNode config, String key) {
        JsonNode v = config.get(key);
        return v == null || v.isNull();
    }

    static int requiredInt(JsonNode config, String key) {
        if (absent(config, key)) {
            throw new IllegalArgumentException("config needs '" + key + "'");
        }
        return toInt(config.get(key), key);
    }

    static boolean bool(JsonNode config, String key, boolean dflt) {
        if (absent(config, key)) {
            return dflt;
        }
        JsonNode v = config.get(key);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("'" + key + "' must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    /** An int or a list of {@code rank} ints (Keras normalize_tuple); missing or null gives {@code dflt} on every axis. */
    static int[] intTuple(JsonNode config, String key, int rank, int dflt) {
        int[] out = new int[rank];
        if (absent(config, key)) {
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        return intTuple(config.get(key), key, rank);
    }

    /** Like {@link #intTuple(JsonNode, String, int, int)} but missing or null gives null (e.g. output_padding). */
    static int[] intTupleOrNull(JsonNode config, String key, int rank) {
        return absent(config, key) ? null : intTuple(config.get(key), key, rank);
    }

    private static int[] intTuple(JsonNode v, String key, int rank) {
        int[] out = new int[rank];
        if (v.isArray()) {
            if (v.size() != rank) {
                throw new IllegalArgumentException("'" + key + "' needs " + rank + " values, got " + v);
            }
            for (int a = 0; a < rank; a++) {
                out[a] = toInt(v.get(a), key);
            }
        } else {
            java.util.Arrays.fill(out, toInt(v, key));
        }
        return out;
    }

    /**
     * ZeroPadding/Cropping amounts as {@code {before, after}} per spatial axis. Keras accepts an int
     * (same on both sides of every axis); for 1D a pair {@code [before, after]}; for 2D/3D a list of
     * one int per axis (symmetric) or a list of per-axis pairs.
     */
    static int[][] pairs(JsonNode config, String key, int rank, int dflt) {
        int[][] out = new int[rank][];
        if (absent(config, key)) {
            for (int a = 0; a < rank; a++) {
                out[a] = new int[] {dflt, dflt};
            }
            return out;
        }
        JsonNode v = config.get(key);
        if (!v.isArray()) {
            int p = toInt(v, key);
            for (int a = 0; a < rank; a++) {
                out[a] = new int[] {p, p};
            }
            return out;
        }
        if (rank == 1 && v.size() == 2 && !v.get(0).isArray()) {
            // the 1D layers take (before, after) for their single axis
            out[0] = new int[] {toInt(v.get(0), key), toInt(v.get(1), key)};
            return out;
        }
        if (v.size() != rank) {
            throw new IllegalArgumentException("'" + key + "' needs " + rank + " entries, got " + v);
        }
        for (int a = 0; a < rank; a++) {
            JsonNode e = v.get(a);
            if (e.isArray()) {
                if (e.size() != 2) {
                    throw new IllegalArgumentException("'" + key + "' entry " + a + " must be a (before, after) pair, got " + e);
                }
                out[a] = new int[] {toInt(e.get(0), key), toInt(e.get(1), key)};
            } else {
                int p = toInt(e, key);
                out[a] = new int[] {p, p};
            }
        }
        return out;
    }

    /** Keras normalize_data_format: missing or null is channels_last, any letter case. */
    static boolean channelsFirst(JsonNode config) {
        if (absent(config, "data_format")) {
            return false;
        }
        String f = config.get("data_format").asText().toLowerCase(Locale.ROOT);
        return switch (f) {
            case "channels_first" -> true;
            case "channels_last" -> false;
            default -> throw new IllegalArgumentException("unknown data_format '" + config.get("data_format").asText()
                    + "' (expected channels_last or channels_first)");
        };
    }

    /** Keras padding name, default valid; letter case is left to {@link Padding#parse}. */
    static String padding(JsonNode config) {
        if (absent(config, "padding")) {
            return "valid";
        }
        JsonNode v = config.get("padding");
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'padding' must be a name, got " + v);
        }
        Padding.parse(v.asText()); // refuse unknown names here, before any weight is looked at
        return v.asText();
    }

    /** Activation name, missing or null meaning linear. */
    static String activation(JsonNode config) {
        if (absent(config, "activation")) {
            return "linear";
        }
        JsonNode v = config.get("activation");
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'activation' must be a name, got " + v);
        }
        return v.asText();
    }

    private static int toInt(JsonNode v, String key) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("'" + key + "' must hold integers, got " + v);
        }
        return v.intValue();
    }
}

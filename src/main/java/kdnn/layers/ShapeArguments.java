package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras 2's normalization of the shape layers' arguments, with its messages: ZeroPadding's
 * {@code padding} and Cropping's {@code cropping} become one (before, after) pair per spatial
 * axis, UpSampling's {@code size} one factor per axis.
 */
final class ShapeArguments {
    private static final String[] ORDINALS = {"1st", "2nd", "3rd"};

    private ShapeArguments() {
    }

    /**
     * Rank 1 (Keras' {@code normalize_tuple(value, 2)}): an int for both ends or one (before,
     * after) pair. Rank 2 and 3: an int for every end of every axis, or one entry per axis,
     * each an int (symmetric) or a (before, after) pair.
     */
    static int[][] pairs(String key, JsonNode value, int rank) {
        int[][] out = new int[rank][];
        if (rank == 1) {
            out[0] = tuple(key, value, 2, 0);
            return out;
        }
        if (isInt(value)) {
            int v = nonNegative(key, value);
            for (int i = 0; i < rank; i++) out[i] = new int[] {v, v};
            return out;
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("`" + key + "` should be either an int, a tuple of " + rank + " ints "
                    + symmetricNames(key, rank) + ", or a tuple of " + rank + " tuples of 2 ints " + pairNames(key, rank)
                    + ". Received: " + value + ".");
        }
        if (value.size() != rank) {
            throw new IllegalArgumentException("`" + key + "` should have " + (rank == 2 ? "two" : rank)
                    + " elements. Received: " + value + ".");
        }
        for (int i = 0; i < rank; i++) {
            out[i] = tuple(ORDINALS[i] + " entry of " + key, value.get(i), 2, 0);
        }
        return out;
    }

    /** UpSampling's {@code size}: rank 1 an int (Keras: {@code int(size)}), else an int or {@code rank} ints, all > 0. */
    static int[] size(JsonNode value, int rank) {
        if (rank == 1 && value.isArray() && value.size() == 1) {
            value = value.get(0); // a one-element list is the same factor
        }
        if (rank == 1 && !isInt(value)) {
            throw ConfigReader.bad("size", value, "a positive integer");
        }
        return tuple("size", value, rank, 1);
    }

    /**
     * The Java API's flat form as the JSON Keras would take: one int, {@code rank} ints
     * (symmetric per axis; for rank 1 that is the same as one int) or {@code 2*rank} ints
     * (before and after of each axis in turn).
     */
    static JsonNode flat(String key, int rank, int... values) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (values.length == 1) return IntNode.valueOf(values[0]);
        ArrayNode a = f.arrayNode();
        if (values.length == 2 * rank) {
            if (rank == 1) return a.add(values[0]).add(values[1]);
            for (int i = 0; i < rank; i++) a.addArray().add(values[2 * i]).add(values[2 * i + 1]);
            return a;
        }
        if (values.length == rank) {
            for (int v : values) a.add(v);
            return a;
        }
        throw new IllegalArgumentException("The `" + key + "` argument must be 1, " + rank + " or " + 2 * rank
                + " integers (one for all, one per axis, or before and after of each axis). Received: " + key + "="
                + java.util.Arrays.toString(values));
    }

    /** Keras' {@code normalize_tuple}: an int repeated {@code n} times or exactly {@code n} ints, each >= {@code min}. */
    private static int[] tuple(String name, JsonNode value, int n, int min) {
        int[] out = new int[n];
        if (isInt(value)) {
            java.util.Arrays.fill(out, ConfigReader.toInt(name, value));
        } else if (value.isArray() && value.size() == n && allInts(value)) {
            for (int i = 0; i < n; i++) out[i] = ConfigReader.toInt(name, value.get(i));
        } else {
            throw new IllegalArgumentException("The `" + name + "` argument must be a tuple of " + n
                    + " integers. Received: " + name + "=" + value);
        }
        List<Integer> bad = new ArrayList<>();
        for (int v : out) if (v < min && !bad.contains(v)) bad.add(v);
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("The `" + name + "` argument must be a tuple of " + n
                    + " integers. Received: " + name + "=" + value + " including " + bad
                    + " that does not satisfy the requirement `" + (min == 0 ? ">= 0" : "> 0") + "`.");
        }
        return out;
    }

    private static int nonNegative(String key, JsonNode value) {
        int v = ConfigReader.toInt(key, value);
        if (v < 0) {
            throw new IllegalArgumentException("The `" + key + "` argument must not be negative. Received: " + key + "="
                    + v + " that does not satisfy the requirement `>= 0`.");
        }
        return v;
    }

    private static boolean isInt(JsonNode n) {
        return n.isNumber();
    }

    private static boolean allInts(JsonNode array) {
        for (JsonNode n : array) if (!n.isNumber()) return false;
        return true;
    }

    private static String symmetricNames(String key, int rank) {
        String what = key.equals("padding") ? "pad" : "crop";
        return rank == 2 ? "(symmetric_height_" + what + ", symmetric_width_" + what + ")"
                : "(symmetric_dim1_" + what + ", symmetric_dim2_" + what + ", symmetric_dim3_" + what + ")";
    }

    private static String pairNames(String key, int rank) {
        String what = key.equals("padding") ? "pad" : "crop";
        return rank == 2 ? "((top_" + what + ", bottom_" + what + "), (left_" + what + ", right_" + what + "))"
                : "((left_dim1_" + what + ", right_dim1_" + what + "), (left_dim2_" + what + ", right_dim2_" + what
                        + "), (left_dim3_" + what + ", right_dim3_" + what + "))";
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A constant operand written as a number or as a list broadcast against the last axis (one
 * value per channel), as Keras' operations take it: read, checked against an input's shape and
 * written back in the form it was given.
 */
record LastAxisConstant(double[] values, boolean isList) {
    LastAxisConstant {
        values = values.clone();
    }

    /** From a config's number or list under {@code key}. */
    static LastAxisConstant read(String className, String key, JsonNode v) {
        return new LastAxisConstant(ConfigReader.numberOrList(className, key, v), v.isArray());
    }

    /** One value for every position: the operand is the same in any memory order. */
    boolean single() {
        return values.length == 1;
    }

    /** Refuses an input whose last axis is known and does not have a position per value of a list. */
    void check(Layer layer, long[] shape, String what) {
        long last = shape[shape.length - 1];
        if (values.length != 1 && last >= 0 && values.length != last) {
            throw layer.incompatible(shape, "its last axis has " + last + " positions, but " + what + " holds "
                    + values.length + " values");
        }
    }

    /** Writes it under {@code key} as it was given: a number, or a list. */
    void write(ObjectNode config, String key) {
        if (!isList) {
            config.put(key, values[0]);
        } else {
            ArrayNode a = config.putArray(key);
            for (double v : values) a.add(v);
        }
    }
}

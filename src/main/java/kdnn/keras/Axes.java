package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;

import java.util.Arrays;

/**
 * A Keras {@code axis} argument: one int or a list of ints. Remembers which, so a config
 * written back says {@code 0} or {@code [0, 1, 2]} just as it was given.
 */
public record Axes(int[] values, boolean list) {
    /** Copies the values. */
    public Axes {
        values = values.clone();
    }

    /** A single axis, written back as an int. */
    public static Axes of(int axis) {
        return new Axes(new int[] {axis}, false);
    }

    /** A list of axes, written back as a list. */
    public static Axes ofList(int... axes) {
        return new Axes(axes, true);
    }

    /** The axes (a copy). */
    @Override
    public int[] values() {
        return values.clone();
    }

    /** The argument as Keras writes it: an int or a list of ints. */
    public JsonNode toJson() {
        return list ? KerasJson.intArray(values) : IntNode.valueOf(values[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Axes a && a.list == list && Arrays.equals(a.values, values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values) * 31 + Boolean.hashCode(list);
    }

    @Override
    public String toString() {
        return list ? Arrays.toString(values) : Integer.toString(values[0]);
    }
}

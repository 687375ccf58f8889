package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A merge that joins its inputs along one axis, its only argument: Concatenate and Stack. Their
 * values are only moved, so the output is bounded by the largest input bound.
 */
abstract class AxisMerge extends Merge {
    private final int axis;

    AxisMerge(String name, boolean trainable, int axis) {
        super(name, trainable);
        this.axis = axis;
    }

    /** What a config gives: the name (an automatic one when absent), trainable and the axis. */
    record Arguments(String name, boolean trainable, int axis) {
        static Arguments read(String className, JsonNode config, int defaultAxis) {
            ConfigReader r = new ConfigReader(className, config);
            String name = r.string("name", null);
            boolean trainable = r.bool("trainable", true);
            int axis = r.integer("axis", defaultAxis);
            r.finish();
            return new Arguments(name == null ? LayerNames.next(className) : name, trainable, axis);
        }
    }

    /** The {@code axis} argument. */
    public final int axis() {
        return axis;
    }

    /** The axis as a non-negative index into shapes of rank {@code rank}, refused outside it. */
    final int axisIn(int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Invalid axis " + axis + " for " + className() + " \"" + name() + "\": expected"
                    + " an axis in [" + -rank + ", " + rank + ")");
        }
        return a;
    }

    @Override
    final double mergedBound(double[] b) {
        return largestBound(b);
    }

    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("axis", axis);
        return c;
    }

    @Override
    public final String toString() {
        return className() + "(" + name() + ", axis=" + axis + ")";
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import kdnn.keras.Axes;

/** The {@code axis} of Keras' layer and unit normalization, resolved against an input shape. */
final class NormalizedAxes {
    private NormalizedAxes() {
    }

    /** Keras' {@code axis} from a config: an int or a list (absent or null: -1). */
    static Axes read(ConfigReader r) {
        JsonNode a = r.node("axis");
        if (a.isArray()) return Axes.ofList(ConfigReader.tuple("axis", a, a.size()));
        if (a.isIntegralNumber()) return Axes.of(ConfigReader.toInt("axis", a));
        if (a.isNull()) return Axes.of(-1);
        throw new IllegalArgumentException("Invalid value for `axis` argument: expected an int or a list/tuple of ints."
                + " Received: axis=" + a);
    }

    /** Keras' {@code axis} from Java: one value written back as an int, several as a list. */
    static Axes of(int... axis) {
        return axis.length == 1 ? Axes.of(axis[0]) : Axes.ofList(axis);
    }

    /** Refuses an empty list, naming the layer's class. */
    static void validate(String className, Axes axis) {
        if (axis.values().length == 0) {
            throw new IllegalArgumentException(className + " `axis` must name at least one axis. Received: axis=[]");
        }
    }

    /**
     * The axes, non-negative, in the order given (a layer's weights follow it), or Keras' refusal:
     * out of range, duplicated (tf-keras' wording), the batch axis, or an axis of unknown length.
     */
    static int[] given(Layer layer, long[] shape, int[] axis) {
        int ndim = shape.length;
        int[] a = new int[axis.length];
        for (int i = 0; i < axis.length; i++) {
            if (axis[i] < -ndim || axis[i] >= ndim) {
                throw layer.incompatible(shape, "Invalid axis: " + axis[i] + " (input has " + ndim + " axes)");
            }
            a[i] = axis[i] < 0 ? axis[i] + ndim : axis[i];
        }
        if (Arrays.stream(a).distinct().count() != a.length) {
            throw layer.incompatible(shape, "Duplicate axis: " + Shapes.format(a));
        }
        for (int d : a) {
            if (d == 0) {
                throw layer.incompatible(shape, "kdnn does not normalize over the batch axis; axis=" + Shapes.format(axis)
                        + " does");
            }
            if (shape[d] < 0) {
                throw layer.incompatible(shape, "axis " + d + " to normalize over must have a known length");
            }
        }
        return a;
    }

    /** {@link #given}, sorted: the order the axes have in the shape. */
    static int[] sorted(Layer layer, long[] shape, int[] axis) {
        return Arrays.stream(given(layer, shape, axis)).sorted().toArray();
    }
}

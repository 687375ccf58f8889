package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code Concatenate}: joins its inputs along {@code axis} (the batch axis counted; -1,
 * the default, is the last). Every other axis must match.
 */
public final class Concatenate extends AxisMerge {
    /** Keras' class name, {@code "Concatenate"}. */
    public static final String CLASS_NAME = "Concatenate";

    private Concatenate(String name, boolean trainable, int axis) {
        super(name, trainable, axis);
    }

    /** A new layer joining along {@code axis}; a null name gets Keras' automatic one. */
    public static Concatenate of(String name, int axis) {
        return new Concatenate(name == null ? LayerNames.next(CLASS_NAME) : name, true, axis);
    }

    /** Keras' {@code from_config}. */
    public static Concatenate fromConfig(JsonNode config) {
        Arguments a = Arguments.read(CLASS_NAME, config, -1);
        return new Concatenate(a.name(), a.trainable(), a.axis());
    }

    /**
     * Keras' Concatenate {@code compute_mask}: each input's mask (all true where it has none)
     * concatenated along the axis, reduced over the last axis by all (tf.keras) or any (Keras 3).
     */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        boolean some = false;
        for (boolean m : inputMasked) some |= m;
        if (!some) return kdnn.internal.MaskUse.DROPS;
        boolean keras3 = kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3;
        String key = "mask " + java.util.Arrays.toString(inputMasked);
        return new kdnn.internal.MaskUse(kdnn.internal.MaskUse.Kind.MERGES,
                hidden(key, () -> MaskLayer.concatenate(name(), inputMasked, axis(), keras3)));
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The axis as a non-negative index into shapes of this rank. */
    int axisFor(int rank) {
        return axisIn(rank);
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        int rank = shapes.get(0).length;
        int a = axisFor(rank);
        if (a == 0) {
            throw new IllegalArgumentException("Concatenate \"" + name() + "\": concatenating along the batch axis"
                    + " (axis=" + axis() + ") is not supported");
        }
        long[] out = shapes.get(0).clone();
        for (int i = 1; i < shapes.size(); i++) {
            long[] s = shapes.get(i);
            boolean match = s.length == rank;
            for (int d = 1; match && d < rank; d++) {
                match = d == a || s[d] == out[d] || s[d] < 0 || out[d] < 0;
            }
            if (!match) {
                throw new IllegalArgumentException("A `Concatenate` layer requires inputs with matching shapes except"
                        + " for the concatenation axis. Received: input_shape=" + format(shapes));
            }
            out[a] = out[a] < 0 || s[a] < 0 ? -1 : out[a] + s[a];
            if (out[0] < 0) out[0] = s[0];
        }
        return out;
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        return Merges.concat(inputs, output, axisFor(output.length), tag);
    }

    @Override
    boolean acceptsChannelsLast(List<long[]> shapes) {
        long[] out = computeOutputShape(shapes);
        return out.length >= 3 && out.length <= 5 && shapes.stream().allMatch(s -> s.length == out.length);
    }
}

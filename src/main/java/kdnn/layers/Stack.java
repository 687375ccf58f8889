package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * {@code stack(xs, axis)}: tensors of one shape joined along a new axis, what tf.keras saves as the
 * TFOpLambda of {@code tf.stack} and Keras 3 as its {@code Stack} operation (Keras 3's caffe
 * preprocessing stacks {@code x[..., 2]}, {@code x[..., 1]} and {@code x[..., 0]} along -1). One
 * oneDNN concatenation of the inputs, each seen with a unit axis at {@code axis}. The axis counts
 * the output's axes, the batch axis too (0, NumPy's default, would stack along the batch: refused).
 * Keras has no layer for it: a file keeps the form it came in.
 */
public final class Stack extends AxisMerge implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Stack"}. */
    public static final String CLASS_NAME = "Stack";

    private Stack(String name, boolean trainable, int axis) {
        super(name, trainable, axis);
    }

    /** A new layer stacking along {@code axis}; a null name gets an automatic one. */
    public static Stack of(String name, int axis) {
        return new Stack(name == null ? LayerNames.next(CLASS_NAME) : name, true, axis);
    }

    /** From kdnn's config form: {@code axis} (default 0, as NumPy's and Keras' stack). */
    public static Stack fromConfig(JsonNode config) {
        Arguments a = Arguments.read(CLASS_NAME, config, 0);
        return new Stack(a.name(), a.trainable(), a.axis());
    }

    @Override
    public String tfFunction() {
        return "stack";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The stacking axis among the output's axes (the inputs' rank plus one). */
    private int axisFor(int outputRank) {
        int a = axisIn(outputRank);
        if (a == 0) {
            throw new IllegalArgumentException("Stack \"" + name() + "\": stacking along the batch axis (axis=" + axis()
                    + ") is not supported");
        }
        return a;
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        long[] first = shapes.get(0);
        for (long[] s : shapes) {
            boolean match = s.length == first.length;
            for (int d = 1; match && d < s.length; d++) match = s[d] == first[d] || s[d] < 0 || first[d] < 0;
            if (!match) {
                throw new IllegalArgumentException("Stack \"" + name() + "\" needs inputs of one shape. Received: input_shape="
                        + format(shapes));
            }
        }
        return ranked(first, first.length + 1, shapes.size());
    }

    /** {@code shape} with {@code count} inserted at the stacking axis. */
    private long[] ranked(long[] shape, int outputRank, long count) {
        int a = axisFor(outputRank);
        long[] out = new long[outputRank];
        for (int d = 0, s = 0; d < outputRank; d++) out[d] = d == a ? count : shape[s++];
        return out;
    }

    @Override
    long[] ranked(long[] shape, int outputRank) {
        return ranked(shape, outputRank, 1);
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        return Merges.concat(inputs, output, axisFor(output.length), tag);
    }

    @Override
    boolean acceptsChannelsLast(List<long[]> shapes) {
        return false; // the inputs have another rank than the output: kept in Keras' order
    }
}

package kdnn.layers;

import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;

/**
 * One step of a model: a layer, or a ZeroPadding folded into the convolution after it (the
 * zeros become the convolution's own padding, so the padded tensor is never made).
 */
public final class Stage {
    private final Layer layer;
    private final int[][] foldedPadding;
    private final String description;

    private Stage(Layer layer, int[][] foldedPadding, String description) {
        this.layer = layer;
        this.foldedPadding = foldedPadding;
        this.description = description;
    }

    /** Groups a model's layers into stages for inputs of {@code inputShape}, folding where it can. */
    public static List<Stage> plan(List<Layer> layers, long[] inputShape) {
        List<Stage> stages = new ArrayList<>();
        long[] shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long[] out = l.computeOutputShape(shape);
            if (i + 1 < layers.size() && l instanceof ShapeLayer pad && pad.kind() == ShapeLayer.Kind.ZERO_PADDING) {
                Layer next = layers.get(i + 1);
                if (next.acceptsInputPadding(pad.pairs(), pad.dataFormat(), out)) {
                    stages.add(new Stage(next, pad.pairs(), pad.name() + " folded into " + next.name()));
                    shape = next.computeOutputShape(out);
                    i++;
                    continue;
                }
            }
            stages.add(new Stage(l, null, l.name()));
            shape = out;
        }
        return stages;
    }

    /** The output shape for an input of {@code inputShape}. */
    public long[] outputShape(long[] inputShape) {
        return layer.computeOutputShape(foldedPadding == null ? inputShape : layer.paddedShape(inputShape, foldedPadding));
    }

    /** Runs the stage into a preallocated output. */
    public void run(Tensor input, Tensor output) {
        if (foldedPadding == null) {
            layer.call(input, output);
        } else {
            layer.callWithInputPadding(input, foldedPadding, output);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}

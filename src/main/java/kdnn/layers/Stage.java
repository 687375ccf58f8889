package kdnn.layers;

import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;

/**
 * One step of a model: a layer, or a ZeroPadding folded into the convolution after it (the
 * zeros become the convolution's own padding, so the padded tensor is never made). Tensors
 * between stages are channels-last whatever the layers' data_format, so a channels_first model
 * converts its layout once at the input and once at the output, not around every layer.
 */
public final class Stage {
    private final Layer layer;
    private final int[][] foldedPadding;
    private final String description;
    private Variant variant;

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
        // between stages tensors stay channels-last: only the model's input and output use Keras' layout
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            s.variant = new Variant(s.foldedPadding, i > 0, i < stages.size() - 1);
        }
        return stages;
    }

    /** The output shape for an input of {@code inputShape}. */
    public long[] outputShape(long[] inputShape) {
        return layer.computeOutputShape(foldedPadding == null ? inputShape : layer.paddedShape(inputShape, foldedPadding));
    }

    /**
     * Runs the stage into a preallocated output. The caller (a model's prediction) holds both
     * tensors and has been admitted ({@link kdnn.runtime.Threads#enterCall()}). Given a bound on
     * |x| over the input known without looking (NaN: none, as for a model's own input), returns
     * the output's, for the next stage.
     */
    public double runHeld(Tensor input, Tensor output, double inputBound) {
        return layer.runHeld(input, output, variant.isPlain() ? Variant.PLAIN : variant, inputBound);
    }

    @Override
    public String toString() {
        return description;
    }
}

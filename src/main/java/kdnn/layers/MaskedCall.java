package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * A call of a layer that reads Keras' mask, the mask its last input: what a model runs where a
 * mask reaches a recurrent layer, Bidirectional or GlobalAveragePooling1D (the layer's own inputs
 * stay as Keras calls it: the sequence, then any initial states). Hidden; made and owned by the layer.
 */
final class MaskedCall extends Layer {
    private final Layer owner;

    MaskedCall(Layer owner) {
        super(owner.name() + "_masked", null, true);
        this.owner = owner;
    }

    @Override
    public String className() {
        return "MaskedCall";
    }

    private static List<long[]> data(List<long[]> shapes) {
        if (shapes.size() < 2) throw new IllegalArgumentException("a masked call takes its inputs, then the mask");
        return shapes.subList(0, shapes.size() - 1);
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        throw new IllegalArgumentException("a masked call takes its inputs, then the mask");
    }

    @Override
    public List<long[]> computeOutputShapes(List<long[]> shapes) {
        return owner.maskedOutputShapes(data(shapes), shapes.get(shapes.size() - 1));
    }

    @Override
    public long[] computeOutputShape(List<long[]> shapes) {
        List<long[]> outs = computeOutputShapes(shapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new UnsupportedOperationException("a masked call runs its layer");
    }

    @Override
    double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant, double[] bounds) {
        int n = shapes.length - 1;
        checkOutput(output, computeOutputShape(Arrays.asList(shapes)));
        return owner.runMaskedInputs(Arrays.copyOf(shapes, n), Arrays.copyOf(inputs, n), shapes[n], inputs[n], output,
                Arrays.copyOf(bounds, n));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("layer", owner.name());
        return c;
    }
}

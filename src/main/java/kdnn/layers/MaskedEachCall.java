package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * A call of a layer that reads the Keras masks of several of its inputs (an attention's query,
 * value and key): its inputs, then the mask of each input {@code masked} marks, in order. What a
 * model runs where masks reach such a layer. Hidden; made and owned by the layer.
 */
final class MaskedEachCall extends Layer {
    private final Layer owner;
    private final boolean[] masked;
    private final int count;

    MaskedEachCall(Layer owner, boolean[] masked) {
        super(owner.name() + "_masked", null, true);
        this.owner = owner;
        this.masked = masked.clone();
        int n = 0;
        for (boolean m : masked) if (m) n++;
        this.count = n;
    }

    @Override
    public String className() {
        return "MaskedEachCall";
    }

    private void check(int inputs) {
        if (inputs != masked.length + count) {
            throw new IllegalArgumentException("a masked call of \"" + owner.name() + "\" takes " + masked.length
                    + " inputs, then " + count + " masks; got " + inputs + " tensors");
        }
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        throw new IllegalArgumentException("a masked call takes its inputs, then the masks");
    }

    @Override
    public List<long[]> computeOutputShapes(List<long[]> shapes) {
        check(shapes.size());
        return owner.maskedEachOutputShapes(shapes.subList(0, masked.length), masked,
                new ArrayList<>(shapes.subList(masked.length, shapes.size())));
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
        check(shapes.length);
        int n = masked.length;
        return owner.runMaskedEach(Arrays.copyOf(shapes, n), Arrays.copyOf(inputs, n), masked,
                Arrays.copyOfRange(shapes, n, shapes.length), Arrays.copyOfRange(inputs, n, inputs.length), output);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("layer", owner.name());
        return c;
    }
}

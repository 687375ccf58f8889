package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * A hidden layer taking one output out of a layer that returns several (a recurrent layer's
 * {@code return_state}): such a layer writes all its outputs packed per sample, each sample's
 * values of output 0, then of output 1, ... ({@link Layer#computeOutputShapes}). It reads the
 * packed value, then the owner's inputs (for their shapes only); made and owned by the owner.
 */
final class OutputPart extends Layer {
    private final Layer owner;
    private final int index;

    private OutputPart(Layer owner, int index) {
        super(owner.name() + "_output_" + index, null, true);
        this.owner = owner;
        this.index = index;
    }

    /** Output {@code index} of {@code owner}. */
    static OutputPart of(Layer owner, int index) {
        return new OutputPart(owner, index);
    }

    @Override
    public String className() {
        return "OutputPart";
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        throw new IllegalArgumentException("an output part reads the packed outputs and the owner's inputs");
    }

    @Override
    public long[] computeOutputShape(List<long[]> shapes) {
        return owner.computeOutputShapes(shapes.subList(1, shapes.size())).get(index).clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new UnsupportedOperationException("an output part is copied in Java");
    }

    @Override
    double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant, double[] bounds) {
        long stamp = enter();
        try {
            List<long[]> outs = owner.computeOutputShapes(Arrays.asList(shapes).subList(1, shapes.length));
            long batch = shapes[0][0];
            long perSample = 0;
            long before = 0;
            for (int i = 0; i < outs.size(); i++) {
                long size = Shapes.product(outs.get(i)) / Math.max(batch, 1) * Float.BYTES;
                if (i < index) before += size;
                perSample += size;
            }
            long size = Shapes.product(outs.get(index)) / Math.max(batch, 1) * Float.BYTES;
            checkOutput(output, outs.get(index));
            for (long n = 0; n < batch; n++) MemorySegment.copy(inputs[0], n * perSample + before, output, n * size, size);
            return bounds[0];
        } finally {
            exitCall(stamp);
        }
    }

    /** Splits the packed {@code all} into the outputs of these shapes. */
    static void split(List<long[]> shapes, MemorySegment all, List<MemorySegment> outputs) {
        copy(shapes, all, outputs, false);
    }

    /** Packs per sample what {@link #split} takes apart: each output's values of a sample in turn. */
    static void pack(List<long[]> shapes, List<MemorySegment> parts, MemorySegment all) {
        copy(shapes, all, parts, true);
    }

    private static void copy(List<long[]> shapes, MemorySegment all, List<MemorySegment> parts, boolean pack) {
        long batch = shapes.get(0)[0];
        long[] sizes = new long[shapes.size()];
        long perSample = 0;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Shapes.product(shapes.get(i)) / Math.max(batch, 1) * Float.BYTES;
            perSample += sizes[i];
        }
        for (long n = 0; n < batch; n++) {
            long at = n * perSample;
            for (int i = 0; i < sizes.length; i++) {
                if (pack) MemorySegment.copy(parts.get(i), n * sizes[i], all, at, sizes[i]);
                else MemorySegment.copy(all, at, parts.get(i), n * sizes[i], sizes[i]);
                at += sizes[i];
            }
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("index", index);
        return c;
    }
}

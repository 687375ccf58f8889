package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * Keras' merge layers: several tensors in, one out, no weights. Add, Subtract, Multiply,
 * Average, Maximum and Minimum combine element-wise (inputs broadcast over axes of length 1, as
 * Keras 2's {@code _Merge} allows); Concatenate joins along an axis. Each runs as oneDNN
 * primitives made once per set of input shapes.
 */
public abstract class Merge extends Layer {
    /** A merge layer (subclasses in this package only). */
    protected Merge(String name, boolean trainable) {
        super(name, null, trainable);
    }

    /** The output shape for these inputs, or Keras' refusal. */
    abstract long[] mergedShape(List<long[]> shapes);

    /** The oneDNN operations for inputs of these Keras shapes, stored with format tag {@code tag}. */
    abstract Pipeline mergePipeline(long[][] inputs, long[] output, int tag);

    /**
     * True where Keras propagates a NaN that oneDNN's operation drops (Maximum and Minimum: oneDNN
     * returns the other operand). TensorFlow computes these with Eigen in {@code model.predict}
     * too, so this holds in either {@link ExtremeValues} mode.
     */
    boolean propagatesNaN() {
        return false;
    }

    /** A bound on |y| from bounds on each input's |x| (NaN: unknown). */
    abstract double mergedBound(double[] inputBounds);

    /** The largest of the inputs' bounds: the bound of a merge that only moves values (NaN if one is unknown). */
    static double largestBound(double[] bounds) {
        double bound = 0;
        for (double x : bounds) {
            if (Double.isNaN(x)) return Double.NaN;
            bound = Math.max(bound, x);
        }
        return bound;
    }

    @Override
    public final long[] computeOutputShape(long[] inputShape) {
        throw new IllegalArgumentException("A merge layer should be called on a list of inputs. Received: input_shape="
                + Shapes.format(inputShape) + " (not a list of shapes)");
    }

    @Override
    public final long[] computeOutputShape(List<long[]> inputShapes) {
        if (inputShapes.isEmpty()) {
            throw new IllegalArgumentException("A merge layer should be called on a list of at least 1 input. Got 0"
                    + " inputs. Full input_shape received: []");
        }
        int rank = inputShapes.get(0).length;
        long batch = -1;
        for (long[] s : inputShapes) {
            if (s.length == 0) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (" + className() + ") cannot merge scalars;"
                        + " got input shapes " + format(inputShapes));
            }
            if (s[0] >= 0 && batch >= 0 && s[0] != batch) {
                throw new IllegalArgumentException("Cannot merge tensors with different batch sizes. Got tensors with"
                        + " shapes " + format(inputShapes));
            }
            if (s[0] >= 0) batch = s[0];
            rank = Math.max(rank, s.length);
        }
        return mergedShape(inputShapes);
    }

    static String format(List<long[]> shapes) {
        return shapes.stream().map(Shapes::format).collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    protected final void createWeights(long[] inputShape) {
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new UnsupportedOperationException(className() + " takes a list of inputs");
    }

    @Override
    long work(long[] inputShape) {
        return Long.MAX_VALUE;
    }

    /**
     * Runs on several inputs. Inside a model the inputs (all of one storage order) may be
     * channels-last copies of channels_first tensors ({@link Variant#channelsLastInput()}): the
     * same element-wise result, and Concatenate's axis is still Keras' axis of the logical dims.
     */
    @Override
    final double runInputs(long[][] inputShapes, MemorySegment[] inputs, MemorySegment output, Variant variant,
                           double[] inputBounds) {
        long stamp = enter();
        try {
            long[] out = computeOutputShape(Arrays.asList(inputShapes));
            long outElements = Shapes.product(out);
            if (output.byteSize() < outElements * Float.BYTES) {
                throw new IllegalArgumentException("output of layer \"" + name() + "\" holds " + output.byteSize()
                        + " bytes, expected " + Shapes.format(out) + " float32 values");
            }
            if (outElements == 0) {
                return mergedBound(inputBounds);
            }
            boolean channelsLast = variant.channelsLastInput() && out.length >= 3;
            long[] key = key(inputShapes, channelsLast);
            long elements = outElements * inputShapes.length;
            int threads = elements < SMALL_WORK ? 1 : kdnn.runtime.Threads.count();
            PipelineCache.Lease lease = pipelines.acquire(key, threads, this::fromKey);
            try {
                lease.pipeline().execute(inputs, output);
            } finally {
                lease.release();
            }
            if (propagatesNaN()) {
                restoreNaN(inputShapes, inputs, out, output, inputBounds);
            }
            return mergedBound(inputBounds);
        } finally {
            exitCall(stamp);
        }
    }

    /** The pipeline {@link #runInputs} runs, where that is all it does (no NaN to restore, a non-empty output). */
    @Override
    final kdnn.internal.LeaseCache.Lease<?, kdnn.runtime.Pipeline> pipelineOfRun(long[][] inputShapes, Variant variant) {
        if (propagatesNaN()) return null;
        long stamp = enter();
        try {
            long[] out = computeOutputShape(Arrays.asList(inputShapes));
            long outElements = Shapes.product(out);
            if (outElements == 0) return null;
            boolean channelsLast = variant.channelsLastInput() && out.length >= 3;
            long elements = outElements * inputShapes.length;
            int threads = elements < SMALL_WORK ? 1 : kdnn.runtime.Threads.count();
            return pipelines.acquire(key(inputShapes, channelsLast), threads, this::fromKey).held();
        } finally {
            exitCall(stamp);
        }
    }

    /** Writes NaN wherever an input (broadcast to the output) holds NaN. */
    private static void restoreNaN(long[][] shapes, MemorySegment[] inputs, long[] out, MemorySegment output,
                                   double[] bounds) {
        for (int k = 0; k < shapes.length; k++) {
            if (bounds[k] < Double.POSITIVE_INFINITY) {
                continue; // a finite bound proves the input holds no NaN
            }
            long n = Shapes.product(shapes[k]);
            if (!Float.isNaN(KerasExtremes.maxMagnitude(inputs[k].asSlice(0, n * Float.BYTES)))) {
                continue;
            }
            long[] strides = broadcastStrides(shapes[k], out);
            long total = Shapes.product(out);
            int[] index = new int[out.length];
            for (long i = 0; i < total; i++) {
                long at = 0;
                for (int d = 0; d < out.length; d++) at += index[d] * strides[d];
                if (Float.isNaN(inputs[k].getAtIndex(ValueLayout.JAVA_FLOAT, at))) {
                    output.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.NaN);
                }
                for (int d = out.length - 1; d >= 0 && ++index[d] == out[d]; d--) index[d] = 0;
            }
        }
    }

    /** Row-major strides of {@code in} seen at the output's positions (0 along broadcast axes). */
    private static long[] broadcastStrides(long[] in, long[] out) {
        long[] strides = new long[out.length];
        long stride = 1;
        for (int d = out.length - 1; d >= 0; d--) {
            strides[d] = in[d] == out[d] ? stride : 0;
            stride *= in[d];
        }
        return strides;
    }

    /** A pipeline-cache key: the count, then a storage flag, then each input's rank and dims. */
    private static long[] key(long[][] shapes, boolean channelsLast) {
        List<Long> k = new ArrayList<>();
        k.add((long) shapes.length);
        k.add(channelsLast ? 1L : 0L);
        for (long[] s : shapes) {
            k.add((long) s.length);
            for (long d : s) k.add(d);
        }
        return k.stream().mapToLong(Long::longValue).toArray();
    }

    private Pipeline fromKey(long[] key) {
        int n = (int) key[0];
        boolean channelsLast = key[1] == 1;
        long[][] shapes = new long[n][];
        int at = 2;
        for (int i = 0; i < n; i++) {
            int rank = (int) key[at++];
            shapes[i] = Arrays.copyOfRange(key, at, at + rank);
            at += rank;
        }
        long[] out = computeOutputShape(Arrays.asList(shapes));
        long[][] ranked = new long[n][];
        for (int i = 0; i < n; i++) ranked[i] = ranked(shapes[i], out.length);
        int tag = channelsLast ? Convolutions.channelsLastTag(out.length - 2) : Merges.plainTag(out.length);
        return mergePipeline(ranked, out, tag);
    }

    /** An input's shape as the merge computes on it: the output's rank (Keras inserts axes after the batch axis). */
    long[] ranked(long[] shape, int outputRank) {
        return withRank(shape, outputRank);
    }

    /** {@code shape} with axes of length 1 inserted after the batch axis up to {@code rank}. */
    static long[] withRank(long[] shape, int rank) {
        if (shape.length == rank) {
            return shape;
        }
        long[] r = new long[rank];
        Arrays.fill(r, 1);
        r[0] = shape[0];
        System.arraycopy(shape, 1, r, rank - shape.length + 1, shape.length - 1);
        return r;
    }

    /**
     * True when a model may keep these inputs channels-last: they all have the output's shape (no
     * broadcasting) and rank 3 to 5.
     */
    boolean acceptsChannelsLast(List<long[]> shapes) {
        long[] out = computeOutputShape(shapes);
        return out.length >= 3 && out.length <= 5 && shapes.stream().allMatch(s -> Arrays.equals(s, out));
    }

    @Override
    public ObjectNode getConfig() {
        return baseConfig();
    }

    /** Reads the name, trainable and dtype keys every merge layer has; the rest must be absent. */
    static ConfigReader reader(String className, JsonNode config) {
        return new ConfigReader(className, config);
    }
}

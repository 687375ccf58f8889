package kdnn.layers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.lang.foreign.MemorySegment;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;
import kdnn.runtime.ShapeOps;

/**
 * The layers that only move values, for every rank: Cropping, ZeroPadding and UpSampling
 * (1D, 2D, 3D). No weights. Each call is one oneDNN copy in the caller's own layout (see
 * {@link ShapeOps}), made once per input shape. The nine Keras classes are thin definitions
 * over it.
 */
public abstract class ShapeLayer extends Layer {
    /** Which Keras family a layer belongs to, and the name of its one argument. */
    public enum Kind {
        /** Cropping1D/2D/3D ({@code cropping}). */
        CROPPING("cropping"),
        /** ZeroPadding1D/2D/3D ({@code padding}). */
        ZERO_PADDING("padding"),
        /** UpSampling1D/2D/3D ({@code size}). */
        UP_SAMPLING("size");

        private final String argument;

        Kind(String argument) {
            this.argument = argument;
        }

        String argument() {
            return argument;
        }
    }

    private final Kind kind;
    private final int rank;
    private final DataFormat format;
    private final int[][] pairs;
    private final int[] size;
    private final String interpolation;

    /** A shape layer of the builder's arguments (subclasses in this package only). */
    protected ShapeLayer(ShapeBuilder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.kind = b.kind;
        this.rank = b.rank;
        this.format = b.dataFormat;
        this.pairs = b.pairs == null ? null : Arrays.stream(b.pairs).map(int[]::clone).toArray(int[][]::new);
        this.size = b.size == null ? null : b.size.clone();
        this.interpolation = b.interpolation;
    }

    /** Which Keras family the layer belongs to. */
    public final Kind kind() {
        return kind;
    }

    /** Keras' {@code data_format} argument. */
    public final DataFormat dataFormat() {
        return format;
    }

    /** Cropping / padding: (before, after) of each spatial axis; null for UpSampling. */
    public final int[][] pairs() {
        return pairs == null ? null : Arrays.stream(pairs).map(int[]::clone).toArray(int[][]::new);
    }

    /** UpSampling: the factor of each spatial axis; null otherwise. */
    public final int[] size() {
        return size == null ? null : size.clone();
    }

    /** Where spatial axis {@code i} is in a Keras shape. */
    private int spatialAxis(int i) {
        return format == DataFormat.CHANNELS_FIRST ? 2 + i : 1 + i;
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        long[] out = shape.clone();
        for (int i = 0; i < rank; i++) {
            int a = spatialAxis(i);
            if (shape[a] < 0) continue; // unknown stays unknown
            out[a] = switch (kind) {
                case ZERO_PADDING -> shape[a] + pairs[i][0] + pairs[i][1];
                case CROPPING -> shape[a] - pairs[i][0] - pairs[i][1];
                case UP_SAMPLING -> shape[a] * size[i];
            };
            if (kind == Kind.CROPPING && out[a] <= 0) {
                throw new IllegalArgumentException("`cropping` parameter of `" + className() + "` layer must be smaller"
                        + " than the input " + (rank == 1 ? "length" : "shape") + ". Received: input_shape="
                        + Shapes.format(shape) + ", cropping=" + pythonPairs() + " (layer \"" + name() + "\": it crops "
                        + (pairs[i][0] + pairs[i][1]) + " of " + shape[a] + " along spatial axis " + i + ")");
            }
        }
        return out;
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    /** Copies: their "work" is the elements written (a small copy is faster on one thread, as measured). */
    @Override
    long work(long[] inputShape) {
        long n = 1;
        for (long d : computeOutputShape(inputShape)) n *= Math.max(d, 0);
        return n;
    }

    /** Bilinear upsampling departs from TensorFlow only next to non-finite values. */
    @Override
    KerasExtremes kerasExtremes() {
        return kind == Kind.UP_SAMPLING && interpolation.equals("bilinear") ? KerasExtremes.MOVES_VALUES : null;
    }

    @Override
    DataFormat variantFormat() {
        return format;
    }

    /** Copies, zeros and convex combinations: no output exceeds the largest input (a cubic or Lanczos resize bounds nothing). */
    @Override
    double outputBound(double inputBound) {
        var method = interpolation == null ? null : kdnn.runtime.Resizes.Method.of(interpolation);
        return method != null && method.overshoots() ? Double.NaN : inputBound;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        // TensorFlow's resize copies an image whose size stays: a size of (1, 1) keeps even infinities
        if (Arrays.stream(size).allMatch(f -> f == 1)) return;
        BilinearExtremes.restore(input, output, logical(inputShape), size,
                variant.inputChannelsLast(format), variant.outputChannelsLast(format));
    }

    /** The one oneDNN operation of this layer for one input shape, in the caller's layout. */
    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] src = logical(inputShape);
        long[] dst = logical(computeOutputShape(inputShape));
        int srcTag = variant.inputChannelsLast(format) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        int dstTag = variant.outputChannelsLast(format) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        long[] offsets = new long[rank + 2];
        if (pairs != null) {
            for (int i = 0; i < rank; i++) offsets[2 + i] = pairs[i][0];
        }
        return switch (kind) {
            case ZERO_PADDING -> ShapeOps.pad(src, dst, offsets, srcTag, dstTag);
            case CROPPING -> ShapeOps.crop(src, dst, offsets, srcTag, dstTag);
            // (a size of 1 each way is a copy: TensorFlow's resize returns an image whose size stays)
            case UP_SAMPLING -> !interpolation.equals("nearest") && !interpolation.equals("bilinear")
                    && Arrays.stream(size).anyMatch(f -> f != 1)
                    ? ShapeOps.upsampleInJava(kdnn.runtime.Resizes.Method.of(interpolation), src, dst,
                            srcTag == Convolutions.channelsLastTag(rank), dstTag == Convolutions.channelsLastTag(rank))
                    : ShapeOps.upsample(src, dst, size, interpolation.equals("bilinear"), srcTag, dstTag);
        };
    }

    /** oneDNN's logical dims {N, C, spatial...} of a Keras shape. */
    private long[] logical(long[] shape) {
        long[] d = new long[rank + 2];
        d[0] = shape[0];
        d[1] = format == DataFormat.CHANNELS_FIRST ? shape[1] : shape[rank + 1];
        for (int i = 0; i < rank; i++) d[2 + i] = shape[spatialAxis(i)];
        return d;
    }

    private String pythonPairs() {
        if (rank == 1) return "(" + pairs[0][0] + ", " + pairs[0][1] + ")";
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < rank; i++) {
            s.append(i == 0 ? "" : ", ").append('(').append(pairs[i][0]).append(", ").append(pairs[i][1]).append(')');
        }
        return s.append(')').toString();
    }

    /** Keras' config keys in canonical form: pairs of pairs (a pair for 1D), sizes as lists (an int for 1D). */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (kind == Kind.UP_SAMPLING) {
            if (rank == 1) {
                c.put("size", size[0]);
            } else {
                ArrayNode a = c.putArray("size");
                for (int s : size) a.add(s);
            }
        } else {
            ArrayNode a = c.putArray(kind.argument());
            if (rank == 1) {
                a.add(pairs[0][0]).add(pairs[0][1]);
            } else {
                for (int[] p : pairs) a.addArray().add(p[0]).add(p[1]);
            }
        }
        // 1D layers are channels_last in Keras 2; Keras 3's ZeroPadding1D also takes channels_first
        if (rank > 1 || format != DataFormat.CHANNELS_LAST) c.put("data_format", format.kerasName());
        if (kind == Kind.UP_SAMPLING && rank == 2) c.put("interpolation", interpolation);
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import kdnn.runtime.AdaptivePoolings;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Poolings;

/**
 * Keras 3's adaptive pooling of every rank ({@code AdaptiveAveragePooling1D/2D/3D},
 * {@code AdaptiveMaxPooling1D/2D/3D}): the input pooled to {@code output_size} whatever its own
 * size, output cell {@code i} of an axis of length {@code L} covering {@code floor(i * L / o)} to
 * {@code ceil((i + 1) * L / o)} (PyTorch's windows, which Keras follows). One oneDNN pooling where
 * every length divides, else {@link AdaptivePoolings}' Java windows. The six classes are thin
 * definitions over it.
 */
public abstract class BaseAdaptivePooling extends Layer {
    private final Poolings.Kind kind;
    private final int[] outputSize;
    private final DataFormat format;

    /** A layer of the builder's arguments (subclasses in this package only). */
    BaseAdaptivePooling(Builder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.kind = b.kind;
        this.outputSize = b.outputSize.clone();
        this.format = b.dataFormat;
    }

    /** Arguments of an adaptive pooling layer, checked as Keras checks them. */
    public static final class Builder<L extends BaseAdaptivePooling> extends LayerBuilder<Builder<L>, L> {
        final Poolings.Kind kind;
        final int rank;
        private final Function<Builder<L>, L> factory;
        int[] outputSize;
        DataFormat dataFormat = DataFormat.CHANNELS_LAST;

        Builder(Poolings.Kind kind, int rank, String className, Function<Builder<L>, L> factory) {
            super(className);
            this.kind = kind;
            this.rank = rank;
            this.factory = factory;
        }

        /** Keras' {@code output_size}: one length for every spatial axis, or one per axis. */
        public Builder<L> outputSize(int... outputSize) {
            if (outputSize.length != 1 && outputSize.length != rank) throw wrongSize(java.util.Arrays.toString(outputSize));
            this.outputSize = new int[rank];
            for (int a = 0; a < rank; a++) this.outputSize[a] = outputSize[outputSize.length == 1 ? 0 : a];
            return this;
        }

        /** Keras' {@code data_format}. */
        public Builder<L> dataFormat(DataFormat dataFormat) {
            this.dataFormat = dataFormat;
            return this;
        }

        private IllegalArgumentException wrongSize(String received) {
            return new IllegalArgumentException("`output_size` must be an integer or tuple of " + rank + " integer"
                    + (rank == 1 ? "" : "s") + ". Received: output_size=" + received);
        }

        @Override
        void validate() {
            if (outputSize == null) throw new IllegalArgumentException(className + " needs `output_size`");
            for (int o : outputSize) {
                if (o <= 0) {
                    throw new IllegalArgumentException("`output_size` must be positive. Received: output_size="
                            + Shapes.format(outputSize));
                }
            }
            if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        }

        @Override
        L make() {
            return factory.apply(this);
        }

        /** Keras' config: {@code output_size} an integer or a list of {@code rank}, {@code data_format}. */
        Builder<L> fromConfig(JsonNode config) {
            ConfigReader r = readBase(config);
            JsonNode size = r.node("output_size");
            if (size.isArray() ? size.size() != rank : !size.isNumber()) throw wrongSize(size.toString());
            outputSize = ConfigReader.tuple("output_size", size, rank);
            String f = r.string("data_format", null);
            // Keras compares the string as given
            if (f != null && !f.equals("channels_first") && !f.equals("channels_last")) {
                throw new IllegalArgumentException("Invalid data_format: " + f
                        + ". Expected 'channels_first' or 'channels_last'.");
            }
            dataFormat = DataFormat.parse(f);
            r.finish();
            return this;
        }
    }

    /** Keras' {@code output_size}, one length per spatial axis. */
    public final int[] outputSize() {
        ensureOpen();
        return outputSize.clone();
    }

    /** Keras' {@code data_format}. */
    public final DataFormat dataFormat() {
        ensureOpen();
        return format;
    }

    private int rank() {
        return outputSize.length;
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        if (shape.length != rank() + 2) {
            throw incompatible(shape, "expected ndim=" + (rank() + 2) + ", found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            // an unknown length (a model for any image size) is known at the call
            if (shape[a] == 0 || shape[a] < -1) throw incompatible(shape, "every dimension but the batch must be positive");
        }
        long[] out = shape.clone();
        int first = format == DataFormat.CHANNELS_FIRST ? 2 : 1;
        for (int a = 0; a < rank(); a++) out[first + a] = outputSize[a];
        return out;
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    /** Additions or comparisons: every output cell reads its window. */
    @Override
    final long work(long[] inputShape) {
        long[] src = logical(inputShape);
        long n = src[0] * src[1];
        for (int a = 0; a < rank(); a++) {
            long most = 0;
            for (long i = 0; i < outputSize[a]; i++) {
                most += AdaptivePoolings.windowEnd(i, src[a + 2], outputSize[a])
                        - AdaptivePoolings.windowStart(i, src[a + 2], outputSize[a]);
            }
            n *= most;
        }
        return Math.max(n, 0);
    }

    /** {N, C, spatial...} of a Keras shape. */
    private long[] logical(long[] shape) {
        if (format == DataFormat.CHANNELS_FIRST) return shape.clone();
        long[] l = new long[shape.length];
        l[0] = shape[0];
        l[1] = shape[shape.length - 1];
        System.arraycopy(shape, 1, l, 2, shape.length - 2);
        return l;
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] src = logical(inputShape);
        for (int a = 2; a < src.length; a++) {
            if (src[a] < 0) throw incompatible(inputShape, "the spatial lengths must be known");
        }
        return AdaptivePoolings.pool(kind, src, logical(computeOutputShape(inputShape)),
                variant.inputChannelsLast(format), variant.outputChannelsLast(format));
    }

    /** A maximum or a mean of input values: no output exceeds the largest input. */
    @Override
    final double outputBound(double inputBound) {
        return inputBound;
    }

    /** oneDNN's max pooling may skip a NaN that Keras passes on: max pooling checks its input. */
    @Override
    final KerasExtremes kerasExtremes() {
        return kind == Poolings.Kind.MAX ? KerasExtremes.MOVES_VALUES : null;
    }

    @Override
    final void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                                    Variant variant, int threads) {
        long[] src = logical(inputShape);
        long[] dst = logical(outputShape);
        if (!AdaptivePoolings.uniform(src, dst)) return; // the Java windows already let NaN win
        AdaptivePoolings.inJava(kind, input, output, src, dst, variant.inputChannelsLast(format),
                variant.outputChannelsLast(format));
    }

    /**
     * Keras' config keys: output_size, data_format. A 1D length is written as an integer, which
     * every Keras 3 release with these layers reads (the first took nothing else); 2D and 3D as lists.
     */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (rank() == 1) {
            c.put("output_size", outputSize[0]);
        } else {
            var size = c.putArray("output_size");
            for (int o : outputSize) size.add(o);
        }
        c.put("data_format", format.kerasName());
        return c;
    }
}

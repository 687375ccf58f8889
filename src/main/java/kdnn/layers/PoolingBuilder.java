package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.function.Function;
import kdnn.runtime.Poolings;

/**
 * Arguments of a pooling layer with Keras' defaults (pool_size 2, strides = pool_size, valid,
 * channels_last), for every rank and both kinds; checked as Keras checks them.
 */
public final class PoolingBuilder<L extends BasePooling> {
    final Poolings.Kind kind;
    final int rank;
    final String className;
    private final Function<PoolingBuilder<L>, L> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    int[] poolSize;
    int[] strides;
    Padding padding = Padding.VALID;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;

    PoolingBuilder(Poolings.Kind kind, int rank, String className, Function<PoolingBuilder<L>, L> factory) {
        this.kind = kind;
        this.rank = rank;
        this.className = className;
        this.factory = factory;
        this.poolSize = new int[rank];
        Arrays.fill(poolSize, 2);
    }

    private int[] tuple(String argument, int... values) {
        if (values.length == 1 && rank > 1) {
            int[] a = new int[rank];
            Arrays.fill(a, values[0]);
            return a;
        }
        if (values.length != rank) {
            throw new IllegalArgumentException("The `" + argument + "` argument must be a tuple of " + rank
                    + " integers. Received: " + Arrays.toString(values));
        }
        return values.clone();
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public PoolingBuilder<L> name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public PoolingBuilder<L> trainable(boolean trainable) { this.trainable = trainable; return this; }
    /** Keras' {@code pool_size} argument. */
    public PoolingBuilder<L> poolSize(int... poolSize) { this.poolSize = tuple("pool_size", poolSize); return this; }

    /** Null (Keras' default) means the pool size. */
    public PoolingBuilder<L> strides(int... strides) { this.strides = strides == null ? null : tuple("strides", strides); return this; }

    /** Keras' {@code padding} argument. */
    public PoolingBuilder<L> padding(Padding padding) { this.padding = padding; return this; }
    /** Keras' {@code data_format} argument. */
    public PoolingBuilder<L> dataFormat(DataFormat dataFormat) { this.dataFormat = dataFormat; return this; }

    /** Builds the layer right away for inputs of this shape (batch may be -1). */
    public PoolingBuilder<L> batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /** Checks the arguments as Keras does and makes the layer. */
    public L build() {
        if (strides == null) {
            strides = poolSize.clone();
        }
        positive("pool_size", poolSize);
        positive("strides", strides);
        if (padding == null || padding == Padding.CAUSAL) {
            throw new IllegalArgumentException("The `padding` argument must be one of \"valid\", \"same\". Received: padding="
                    + (padding == null ? null : padding.kerasName()));
        }
        if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        if (name == null) {
            name = LayerNames.next(className);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }

    private void positive(String argument, int[] values) {
        for (int v : values) {
            if (v <= 0) {
                throw new IllegalArgumentException("The `" + argument + "` argument must be a tuple of " + rank
                        + " integers. Received " + argument + "=" + Shapes.format(values)
                        + ", including values {" + v + "} that do not satisfy `value > 0`");
            }
        }
    }

    /** Reads Keras' config: every accepted form (an int for a tuple, null strides, any letter case), unknown keys refused. */
    PoolingBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        poolSize = r.tuple("pool_size", rank, poolSize);
        strides = r.tuple("strides", rank, null);
        padding = Padding.parse(r.string("padding", "valid"));
        dataFormat = DataFormat.parse(r.string("data_format", null));
        r.finish();
        return this;
    }
}

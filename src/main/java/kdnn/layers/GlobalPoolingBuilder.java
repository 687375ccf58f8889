package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import kdnn.runtime.Poolings;

/** Arguments of a global pooling layer with Keras' defaults (channels_last, keepdims false). */
public final class GlobalPoolingBuilder<L extends BaseGlobalPooling> {
    final Poolings.Kind kind;
    final int rank;
    final String className;
    private final Function<GlobalPoolingBuilder<L>, L> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    boolean keepdims;

    GlobalPoolingBuilder(Poolings.Kind kind, int rank, String className, Function<GlobalPoolingBuilder<L>, L> factory) {
        this.kind = kind;
        this.rank = rank;
        this.className = className;
        this.factory = factory;
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public GlobalPoolingBuilder<L> name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public GlobalPoolingBuilder<L> trainable(boolean trainable) { this.trainable = trainable; return this; }
    /** Keras' {@code data_format} argument. */
    public GlobalPoolingBuilder<L> dataFormat(DataFormat dataFormat) { this.dataFormat = dataFormat; return this; }

    /** Keep the spatial axes with length 1. */
    public GlobalPoolingBuilder<L> keepdims(boolean keepdims) { this.keepdims = keepdims; return this; }

    /** Builds the layer right away for inputs of this shape (batch may be -1). */
    public GlobalPoolingBuilder<L> batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /**
     * The layer these arguments describe.
     * @throws IllegalArgumentException for an argument Keras refuses, naming it
     */
    public L build() {
        if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        if (name == null) {
            name = LayerNames.next(className);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }

    /** Reads Keras' config; a missing {@code keepdims} (Keras before 2.6) is false. */
    GlobalPoolingBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        dataFormat = DataFormat.parse(r.string("data_format", null));
        keepdims = r.bool("keepdims", false);
        r.finish();
        return this;
    }
}

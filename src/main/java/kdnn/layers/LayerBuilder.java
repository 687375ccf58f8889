package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What every layer's builder sets (Keras' {@code name}, {@code trainable} and
 * {@code batch_input_shape}), how it reads them from a config, and how it makes the layer: the
 * arguments checked as Keras checks them, then built at once when an input shape was declared.
 */
public abstract class LayerBuilder<B extends LayerBuilder<B, L>, L extends Layer> {
    final String className;
    String name;
    boolean trainable = true;
    long[] batchInputShape;

    LayerBuilder(String className) {
        this.className = className;
    }

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public final B name(String name) { this.name = name; return self(); }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public final B trainable(boolean trainable) { this.trainable = trainable; return self(); }

    /** Builds the layer right away for inputs of this shape (batch may be -1). */
    public final B batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return self(); }

    /** Starts reading a config: the keys every layer has. The caller reads its own, then {@link ConfigReader#finish()}. */
    final ConfigReader readBase(JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        return r;
    }

    /** Refuses arguments Keras refuses (at construction). */
    void validate() {
    }

    /** The layer from checked arguments. */
    abstract L make();

    /** Checks the arguments as Keras does and makes the layer (built at once when a batch input shape was given). */
    public final L build() {
        validate();
        if (name == null) {
            name = LayerNames.next(className);
        }
        return Layer.builtFor(make(), batchInputShape);
    }
}

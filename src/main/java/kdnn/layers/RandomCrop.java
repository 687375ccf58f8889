package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Resizes;

/**
 * Keras' RandomCrop at inference: as its documentation and output shape say, the largest centred
 * window of the target's aspect ratio, resized bilinearly to {@code height x width} (Keras'
 * {@code smart_resize}; to the rounding of the sampling positions). The random crop it takes in
 * training does not apply to {@code model.predict}; {@code seed} is kept.
 */
public final class RandomCrop extends ImageResizeLayer {
    /** Keras' class name, {@code "RandomCrop"}. */
    public static final String CLASS_NAME = "RandomCrop";

    private final JsonNode seed;

    private RandomCrop(Builder b) {
        super(b);
        this.seed = b.seed;
    }

    /** Keras' arguments: the size, seed, and data_format (channels_last by default). */
    public static final class Builder extends ImageResizeBuilder<Builder, RandomCrop> {
        JsonNode seed = com.fasterxml.jackson.databind.node.NullNode.getInstance();

        Builder() {
            super(CLASS_NAME);
        }

        @Override
        void validate() {
            super.validate();
            if (!seed.isNull() && !seed.canConvertToLong()) throw ConfigReader.bad("seed", seed, "an integer or None");
        }

        @Override
        RandomCrop make() {
            return new RandomCrop(this);
        }
    }

    /** A builder (the size must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static RandomCrop fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.readSize(r);
        b.seed = r.node("seed");
        r.node("force_generator"); // tf-keras' random layers' choice of generator, for training
        r.node("rng_type");
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Resizes.Window window(long h, long w) {
        return ResizeWindows.smartResize(h, w, height, width);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = sizeConfig();
        c.set("seed", seed.deepCopy());
        // (tf.keras' RandomCrop has no data_format: written only where it is not the default)
        if (format == DataFormat.CHANNELS_FIRST) c.put("data_format", format.kerasName());
        return c;
    }
}

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
        super(b.name, b.batchInputShape, b.trainable, b.height, b.width, b.dataFormat);
        this.seed = b.seed;
    }

    /** Keras' arguments: the size, seed, and data_format (channels_last by default). */
    public static final class Builder extends LayerBuilder<Builder, RandomCrop> {
        int height;
        int width;
        JsonNode seed = com.fasterxml.jackson.databind.node.NullNode.getInstance();
        DataFormat dataFormat = DataFormat.CHANNELS_LAST;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code height} and {@code width}: the output's size. */
        public Builder size(int height, int width) { this.height = height; this.width = width; return this; }
        /** Keras' {@code data_format}. */
        public Builder dataFormat(DataFormat format) { this.dataFormat = java.util.Objects.requireNonNull(format, "data_format"); return this; }

        @Override
        void validate() {
            checkSize(CLASS_NAME, height, width);
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
        b.height = r.integer("height", 0);
        b.width = r.integer("width", 0);
        b.seed = r.node("seed");
        b.dataFormat = DataFormat.parse(r.string("data_format", null));
        r.string("bounding_box_format", null); // for bounding boxes, which a model's tensors never are
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
    boolean linear() {
        return true;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("height", height);
        c.put("width", width);
        c.set("seed", seed.deepCopy());
        c.put("data_format", format.kerasName());
        return c;
    }
}

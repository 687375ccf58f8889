package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Resizes;

/**
 * Keras' CenterCrop: the centred {@code height x width} window of each image (starting at
 * {@code int((size - target) / 2)}), or, when the image is smaller than the target either way,
 * Keras' {@code smart_resize}: the largest centred window of the target's aspect ratio, resized
 * bilinearly (to the rounding of the sampling positions).
 */
public final class CenterCrop extends ImageResizeLayer {
    /** Keras' class name, {@code "CenterCrop"}. */
    public static final String CLASS_NAME = "CenterCrop";

    private CenterCrop(Builder b) {
        super(b.name, b.batchInputShape, b.trainable, b.height, b.width, b.dataFormat);
    }

    /** Keras' arguments: the size, and data_format (channels_last by default). */
    public static final class Builder extends LayerBuilder<Builder, CenterCrop> {
        int height;
        int width;
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
        }

        @Override
        CenterCrop make() {
            return new CenterCrop(this);
        }
    }

    /** A builder (the size must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static CenterCrop fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.height = r.integer("height", 0);
        b.width = r.integer("width", 0);
        b.dataFormat = DataFormat.parse(r.string("data_format", null));
        r.string("bounding_box_format", null); // for bounding boxes, which a model's tensors never are
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Resizes.Window window(long h, long w) {
        return ResizeWindows.centerCrop(h, w, height, width);
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
        c.put("data_format", format.kerasName());
        return c;
    }
}

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
        super(b);
    }

    /** Keras' arguments: the size, and data_format (channels_last by default). */
    public static final class Builder extends ImageResizeBuilder<Builder, CenterCrop> {
        Builder() {
            super(CLASS_NAME);
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
        b.readSize(r);
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
    public ObjectNode getConfig() {
        ObjectNode c = sizeConfig();
        // (tf.keras' CenterCrop has no data_format: written only where it is not the default)
        if (format == DataFormat.CHANNELS_FIRST) c.put("data_format", format.kerasName());
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' ZeroPadding1D: pads spatial axes with zeros: adds (before, after) elements to each (channels_last only). */
public final class ZeroPadding1D extends ShapeLayer {
    /** Keras' class name, {@code "ZeroPadding1D"}. */
    public static final String CLASS_NAME = "ZeroPadding1D";

    private ZeroPadding1D(ShapeBuilder<ZeroPadding1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `padding` with {@link ShapeBuilder#padding}. */
    public static ShapeBuilder<ZeroPadding1D> builder() {
        return new ShapeBuilder<>(Kind.ZERO_PADDING, 1, CLASS_NAME, ZeroPadding1D::new);
    }

    /** Keras' {@code from_config}. */
    public static ZeroPadding1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

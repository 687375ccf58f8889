package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' ZeroPadding2D: pads spatial axes with zeros: adds (before, after) elements to each (channels_last or channels_first). */
public final class ZeroPadding2D extends ShapeLayer {
    /** Keras' class name, {@code "ZeroPadding2D"}. */
    public static final String CLASS_NAME = "ZeroPadding2D";

    private ZeroPadding2D(ShapeBuilder<ZeroPadding2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `padding` with {@link ShapeBuilder#padding}. */
    public static ShapeBuilder<ZeroPadding2D> builder() {
        return new ShapeBuilder<>(Kind.ZERO_PADDING, 2, CLASS_NAME, ZeroPadding2D::new);
    }

    /** Keras' {@code from_config}. */
    public static ZeroPadding2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' ZeroPadding3D: pads spatial axes with zeros: adds (before, after) elements to each (channels_last or channels_first). */
public final class ZeroPadding3D extends ShapeLayer {
    /** Keras' class name, {@code "ZeroPadding3D"}. */
    public static final String CLASS_NAME = "ZeroPadding3D";

    private ZeroPadding3D(ShapeBuilder<ZeroPadding3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `padding` with {@link ShapeBuilder#padding}. */
    public static ShapeBuilder<ZeroPadding3D> builder() {
        return new ShapeBuilder<>(Kind.ZERO_PADDING, 3, CLASS_NAME, ZeroPadding3D::new);
    }

    /** Keras' {@code from_config}. */
    public static ZeroPadding3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Cropping2D: crops spatial axes: removes (before, after) elements of each (channels_last or channels_first). */
public final class Cropping2D extends ShapeLayer {
    /** Keras' class name, {@code "Cropping2D"}. */
    public static final String CLASS_NAME = "Cropping2D";

    private Cropping2D(ShapeBuilder<Cropping2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `cropping` with {@link ShapeBuilder#cropping}. */
    public static ShapeBuilder<Cropping2D> builder() {
        return new ShapeBuilder<>(Kind.CROPPING, 2, CLASS_NAME, Cropping2D::new);
    }

    /** Keras' {@code from_config}. */
    public static Cropping2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

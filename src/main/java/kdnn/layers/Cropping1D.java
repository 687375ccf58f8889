package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Cropping1D: crops spatial axes: removes (before, after) elements of each (channels_last only). */
public final class Cropping1D extends ShapeLayer {
    /** Keras' class name, {@code "Cropping1D"}. */
    public static final String CLASS_NAME = "Cropping1D";

    private Cropping1D(ShapeBuilder<Cropping1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `cropping` with {@link ShapeBuilder#cropping}. */
    public static ShapeBuilder<Cropping1D> builder() {
        return new ShapeBuilder<>(Kind.CROPPING, 1, CLASS_NAME, Cropping1D::new);
    }

    /** Keras' {@code from_config}. */
    public static Cropping1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

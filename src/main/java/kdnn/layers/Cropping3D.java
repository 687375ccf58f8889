package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Cropping3D: crops spatial axes: removes (before, after) elements of each (channels_last or channels_first). */
public final class Cropping3D extends ShapeLayer {
    /** Keras' class name, {@code "Cropping3D"}. */
    public static final String CLASS_NAME = "Cropping3D";

    private Cropping3D(ShapeBuilder<Cropping3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `cropping` with {@link ShapeBuilder#cropping}. */
    public static ShapeBuilder<Cropping3D> builder() {
        return new ShapeBuilder<>(Kind.CROPPING, 3, CLASS_NAME, Cropping3D::new);
    }

    /** Keras' {@code from_config}. */
    public static Cropping3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

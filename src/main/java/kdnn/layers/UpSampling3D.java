package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' UpSampling3D: repeats each element of each spatial axis `size` times (nearest) (channels_last or channels_first). */
public final class UpSampling3D extends ShapeLayer {
    /** Keras' class name, {@code "UpSampling3D"}. */
    public static final String CLASS_NAME = "UpSampling3D";

    private UpSampling3D(ShapeBuilder<UpSampling3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `size` with {@link ShapeBuilder#size}. */
    public static ShapeBuilder<UpSampling3D> builder() {
        return new ShapeBuilder<>(Kind.UP_SAMPLING, 3, CLASS_NAME, UpSampling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static UpSampling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

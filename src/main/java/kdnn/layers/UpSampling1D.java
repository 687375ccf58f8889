package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' UpSampling1D: repeats each element of each spatial axis `size` times (nearest) (channels_last only). */
public final class UpSampling1D extends ShapeLayer {
    /** Keras' class name, {@code "UpSampling1D"}. */
    public static final String CLASS_NAME = "UpSampling1D";

    private UpSampling1D(ShapeBuilder<UpSampling1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `size` with {@link ShapeBuilder#size}. */
    public static ShapeBuilder<UpSampling1D> builder() {
        return new ShapeBuilder<>(Kind.UP_SAMPLING, 1, CLASS_NAME, UpSampling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static UpSampling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

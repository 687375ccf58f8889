package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Keras' UpSampling2D: each spatial axis `size` times longer (channels_last or channels_first), by
 * repeating each element ({@code nearest}), by oneDNN's linear resampling ({@code bilinear}), or by
 * TensorFlow's other resize kernels in Java ({@code bicubic}, {@code area}, {@code lanczos3},
 * {@code lanczos5}, {@code gaussian}, {@code mitchellcubic}).
 */
public final class UpSampling2D extends ShapeLayer {
    /** Keras' class name, {@code "UpSampling2D"}. */
    public static final String CLASS_NAME = "UpSampling2D";

    private UpSampling2D(ShapeBuilder<UpSampling2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults; set `size` with {@link ShapeBuilder#size}. */
    public static ShapeBuilder<UpSampling2D> builder() {
        return new ShapeBuilder<>(Kind.UP_SAMPLING, 2, CLASS_NAME, UpSampling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static UpSampling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}

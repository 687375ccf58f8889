package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Resizes;

/**
 * Keras' Resizing: a batch of images to {@code height x width} by TensorFlow's
 * {@code tf.image.resize} (half-pixel centres; antialiasing when asked), after cropping to the target's
 * aspect ratio or padding to it with {@code fill_value} when asked. {@code bilinear} runs as
 * oneDNN's linear resampling and agrees with TensorFlow to the rounding of the sampling positions;
 * {@code nearest} picks exactly TensorFlow's pixels; {@code bicubic}, {@code area}, {@code lanczos3},
 * {@code lanczos5}, {@code gaussian} and {@code mitchellcubic} are TensorFlow's own kernels in Java
 * (ResizeBicubic, ResizeArea, ScaleAndTranslate), in their float32 steps; {@code antialias=True}
 * resizes as tf.image.resize does then (ScaleAndTranslate with the kernel widened on a downscale,
 * a triangle for bilinear and Keys' cubic for bicubic; nearest and area unchanged).
 */
public final class Resizing extends ImageResizeLayer {
    /** Keras' class name, {@code "Resizing"}. */
    public static final String CLASS_NAME = "Resizing";

    private static final List<String> KERAS_INTERPOLATIONS = List.of("bilinear", "nearest", "bicubic", "area", "lanczos3",
            "lanczos5", "gaussian", "mitchellcubic");

    private final String interpolation;
    private final boolean cropToAspectRatio;
    private final boolean padToAspectRatio;
    private final float fillValue;
    private final boolean antialias;

    private Resizing(Builder b) {
        super(b);
        this.interpolation = b.interpolation;
        this.cropToAspectRatio = b.cropToAspectRatio;
        this.padToAspectRatio = b.padToAspectRatio;
        this.fillValue = (float) b.fillValue;
        this.antialias = b.antialias;
    }

    /** Keras' arguments and defaults: bilinear, no crop or pad, fill 0, channels_last. */
    public static final class Builder extends ImageResizeBuilder<Builder, Resizing> {
        String interpolation = "bilinear";
        boolean cropToAspectRatio;
        boolean padToAspectRatio;
        double fillValue;
        boolean antialias;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code interpolation}: any of tf.image.resize's methods. */
        public Builder interpolation(String interpolation) { this.interpolation = interpolation; return this; }
        /** Keras' {@code crop_to_aspect_ratio}. */
        public Builder cropToAspectRatio(boolean crop) { this.cropToAspectRatio = crop; return this; }
        /** Keras' {@code pad_to_aspect_ratio}. */
        public Builder padToAspectRatio(boolean pad) { this.padToAspectRatio = pad; return this; }
        /** Keras' {@code fill_value}, for the padding. */
        public Builder fillValue(double fill) { this.fillValue = fill; return this; }
        /** Keras 3's {@code antialias}: a downscale filters first (tf.image.resize's antialiasing). */
        public Builder antialias(boolean antialias) { this.antialias = antialias; return this; }

        @Override
        void validate() {
            super.validate();
            if (!KERAS_INTERPOLATIONS.contains(interpolation)) {
                throw new IllegalArgumentException("Invalid value for argument `interpolation`. Expected of one "
                        + KERAS_INTERPOLATIONS + ". Received: interpolation=" + interpolation);
            }
            if (cropToAspectRatio && padToAspectRatio) {
                throw new IllegalArgumentException("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.");
            }
            if (!Double.isFinite(fillValue)) {
                throw new IllegalArgumentException("Resizing `fill_value` must be a finite number for kdnn. Received:"
                        + " fill_value=" + fillValue);
            }
        }

        @Override
        Resizing make() {
            return new Resizing(this);
        }
    }

    /** A builder with Keras' defaults (the size must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config} (Keras 3's and tf-keras' keys). */
    public static Resizing fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.readSize(r);
        b.interpolation = r.string("interpolation", "bilinear");
        b.cropToAspectRatio = r.bool("crop_to_aspect_ratio", false);
        b.padToAspectRatio = r.bool("pad_to_aspect_ratio", false);
        String fillMode = r.string("fill_mode", "constant");
        if (!fillMode.equals("constant")) {
            throw new IllegalArgumentException("Invalid value for argument `fill_mode`. Only `'constant'` is supported."
                    + " Received: fill_mode=" + fillMode);
        }
        b.fillValue = r.number("fill_value", 0.0);
        b.antialias = r.bool("antialias", false);
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Resizes.Window window(long h, long w) {
        if (cropToAspectRatio) return ResizeWindows.cropToAspectRatio(h, w, height, width);
        if (padToAspectRatio) return ResizeWindows.padToAspectRatio(h, w, height, width, fillValue);
        return Resizes.Window.whole(h, w);
    }

    @Override
    Resizes.Method method() {
        return Resizes.Method.of(interpolation);
    }

    @Override
    float fillValue() {
        return padToAspectRatio ? fillValue : 0f;
    }

    @Override
    boolean antialias() {
        return antialias;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = sizeConfig();
        c.put("interpolation", interpolation);
        c.put("crop_to_aspect_ratio", cropToAspectRatio);
        // Keras 3's arguments only where they are not its defaults, so that tf.keras (whose Resizing refuses
        // unknown keys) reads the usual layer; a .keras file gets them all (Keras3Config), an .h5 file those set
        if (padToAspectRatio || fillValue != 0f) {
            c.put("pad_to_aspect_ratio", padToAspectRatio);
            c.put("fill_mode", "constant");
            c.put("fill_value", (double) fillValue);
        }
        if (antialias) c.put("antialias", true);
        if (format == DataFormat.CHANNELS_FIRST) c.put("data_format", format.kerasName());
        return c;
    }
}

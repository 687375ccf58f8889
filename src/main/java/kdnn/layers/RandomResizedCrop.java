package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Resizes;

/**
 * Keras 3's RandomResizedCrop at inference ({@code model.predict}): not the identity but, as its
 * documentation says, the centred window of the target's aspect ratio (float32 start and size,
 * truncated as TensorFlow casts them), resized to {@code height x width} with its
 * {@code interpolation} (tf.image.resize, no antialiasing). The random crop it takes in training
 * ({@code scale}, {@code ratio}, {@code seed}) does not apply; those are checked and kept.
 */
public final class RandomResizedCrop extends ImageResizeLayer {
    /** Keras' class name, {@code "RandomResizedCrop"}. */
    public static final String CLASS_NAME = "RandomResizedCrop";

    private final double[] scale;
    private final double[] ratio;
    private final String interpolation;
    private final JsonNode seed;

    private RandomResizedCrop(Builder b) {
        super(b);
        this.scale = b.scale.clone();
        this.ratio = b.ratio.clone();
        this.interpolation = b.interpolation;
        this.seed = b.seed;
    }

    /** Keras' arguments and defaults. */
    public static final class Builder extends ImageResizeBuilder<Builder, RandomResizedCrop> {
        double[] scale = {0.08, 1.0};
        double[] ratio = {0.75, 1.33};
        String interpolation = "bilinear";
        JsonNode seed = com.fasterxml.jackson.databind.node.NullNode.getInstance();

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code interpolation}: a tf.image.resize method. */
        public Builder interpolation(String interpolation) { this.interpolation = interpolation; return this; }

        @Override
        void validate() {
            super.validate();
            if (Resizes.Method.of(interpolation) == null || interpolation.equals("gaussian")
                    || interpolation.equals("mitchellcubic")) {
                throw new IllegalArgumentException("Invalid value for argument `interpolation`. Expected of one"
                        + " [\"bilinear\", \"nearest\", \"lanczos3\", \"lanczos5\", \"bicubic\", \"area\"]. Received:"
                        + " interpolation=" + interpolation);
            }
            if (!seed.isNull() && !seed.canConvertToLong()) throw ConfigReader.bad("seed", seed, "an integer or None");
        }

        @Override
        RandomResizedCrop make() {
            return new RandomResizedCrop(this);
        }
    }

    /** A builder (the size must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static RandomResizedCrop fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.readSize(r);
        b.scale = pair(r, "scale", b.scale);
        b.ratio = pair(r, "ratio", b.ratio);
        b.interpolation = r.string("interpolation", "bilinear");
        b.seed = r.node("seed");
        r.finish();
        return b.build();
    }

    private static double[] pair(ConfigReader r, String key, double[] fallback) {
        JsonNode n = r.node(key);
        if (n.isNull()) return fallback;
        if (!n.isArray() || n.size() != 2 || !n.get(0).isNumber() || !n.get(1).isNumber()) {
            throw ConfigReader.bad(key, n, "a pair of numbers");
        }
        return new double[] {n.get(0).asDouble(), n.get(1).asDouble()};
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Resizes.Window window(long h, long w) {
        Resizes.Window win = ResizeWindows.centeredAspectCrop(h, w, height, width);
        if (win.imageHeight() < 1 || win.imageWidth() < 1) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (RandomResizedCrop): an image of " + h + "x" + w
                    + " has no pixel in its centred crop of aspect " + width + ":" + height + " (a window of "
                    + win.imageHeight() + "x" + win.imageWidth() + "), which TensorFlow cannot resize");
        }
        return win;
    }

    @Override
    Resizes.Method method() {
        return Resizes.Method.of(interpolation);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = sizeConfig();
        c.putArray("scale").add(scale[0]).add(scale[1]);
        c.putArray("ratio").add(ratio[0]).add(ratio[1]);
        c.put("interpolation", interpolation);
        c.set("seed", seed.deepCopy());
        c.put("data_format", format.kerasName());
        return c;
    }
}

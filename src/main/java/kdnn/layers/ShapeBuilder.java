package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * Arguments of a shape layer (cropping, zero padding, upsampling) with Keras' defaults, for
 * every rank; set from Java or read from a Keras config, normalized by {@link ShapeArguments}.
 */
public final class ShapeBuilder<L extends ShapeLayer> {
    final ShapeLayer.Kind kind;
    final int rank;
    final String className;
    private final Function<ShapeBuilder<L>, L> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    /** Cropping / padding: (before, after) per spatial axis. */
    int[][] pairs;
    /** UpSampling: factor per spatial axis. */
    int[] size;
    String interpolation = "nearest";

    ShapeBuilder(ShapeLayer.Kind kind, int rank, String className, Function<ShapeBuilder<L>, L> factory) {
        this.kind = kind;
        this.rank = rank;
        this.className = className;
        this.factory = factory;
        switch (kind) {
            // Keras' defaults: ZeroPadding 1 everywhere; Cropping1D (1, 1), Cropping2D 0, Cropping3D 1
            case ZERO_PADDING -> pairs = ShapeArguments.pairs("padding", ShapeArguments.flat("padding", rank, 1), rank);
            case CROPPING -> pairs = ShapeArguments.pairs("cropping",
                    ShapeArguments.flat("cropping", rank, rank == 2 ? 0 : 1), rank);
            case UP_SAMPLING -> {
                size = new int[rank];
                Arrays.fill(size, 2);
            }
        }
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public ShapeBuilder<L> name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public ShapeBuilder<L> trainable(boolean trainable) { this.trainable = trainable; return this; }

    /** Builds the layer right away for inputs of this shape (batch may be -1). */
    public ShapeBuilder<L> batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /** 2D and 3D only; 1D layers are channels_last (Keras 3's ZeroPadding1D read from a Keras 3 file aside). */
    public ShapeBuilder<L> dataFormat(DataFormat format) {
        boolean keras3Padding = kind == ShapeLayer.Kind.ZERO_PADDING && Layers.readingVersion() == KerasVersion.KERAS_3;
        if (rank == 1 && format != DataFormat.CHANNELS_LAST && !keras3Padding) {
            throw new IllegalArgumentException(className + " has no `data_format` argument: it is channels_last."
                    + " Received: data_format=" + format.kerasName());
        }
        this.dataFormat = format;
        return this;
    }

    /** ZeroPadding: one int, one per axis (symmetric), or before and after of each axis in turn. */
    public ShapeBuilder<L> padding(int... values) {
        requireKind(ShapeLayer.Kind.ZERO_PADDING, "padding");
        this.pairs = ShapeArguments.pairs("padding", ShapeArguments.flat("padding", rank, values), rank);
        return this;
    }

    /** Cropping: one int, one per axis (symmetric), or before and after of each axis in turn. */
    public ShapeBuilder<L> cropping(int... values) {
        requireKind(ShapeLayer.Kind.CROPPING, "cropping");
        this.pairs = ShapeArguments.pairs("cropping", ShapeArguments.flat("cropping", rank, values), rank);
        return this;
    }

    /** UpSampling: one factor for every axis, or one per axis. */
    public ShapeBuilder<L> size(int... values) {
        requireKind(ShapeLayer.Kind.UP_SAMPLING, "size");
        if (values.length != 1 && values.length != rank) {
            throw new IllegalArgumentException("The `size` argument must be a tuple of " + rank
                    + " integers. Received: size=" + Arrays.toString(values));
        }
        this.size = ShapeArguments.size(ShapeArguments.flat("size", rank, values), rank);
        return this;
    }

    private void requireKind(ShapeLayer.Kind k, String argument) {
        if (kind != k) {
            throw new IllegalArgumentException(className + " has no argument `" + argument + "`");
        }
    }

    /** Reads Keras' config: every accepted form, unknown keys refused. */
    ShapeBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        String format = r.string("data_format", null);
        if (format != null) dataFormat(DataFormat.parse(format));
        String key = kind.argument();
        JsonNode value = r.node(key);
        if (!value.isNull()) {
            if (kind == ShapeLayer.Kind.UP_SAMPLING) size = ShapeArguments.size(value, rank);
            else pairs = ShapeArguments.pairs(key, value, rank);
        }
        if (kind == ShapeLayer.Kind.UP_SAMPLING && rank == 2) {
            interpolation(r.string("interpolation", "nearest"));
        }
        r.finish();
        return this;
    }

    /**
     * UpSampling2D's {@code interpolation}: "nearest" (repeat), "bilinear" (TensorFlow 2's resize,
     * half-pixel centers), or tf.keras' other tf.image.resize methods ("bicubic", "area", "lanczos3",
     * "lanczos5", "gaussian", "mitchellcubic": TensorFlow's kernels, in Java).
     */
    public ShapeBuilder<L> interpolation(String interpolation) {
        if (kind != ShapeLayer.Kind.UP_SAMPLING || rank != 2) {
            throw new IllegalArgumentException(className + " has no argument `interpolation`");
        }
        String v = interpolation == null ? "" : interpolation.toLowerCase(Locale.ROOT);
        if (kdnn.runtime.Resizes.Method.of(v) == null) {
            throw new IllegalArgumentException("The `interpolation` argument of " + className + " must be one of"
                    + " \"area\", \"bicubic\", \"bilinear\", \"gaussian\", \"lanczos3\", \"lanczos5\", \"mitchellcubic\","
                    + " \"nearest\". Received: interpolation=\"" + interpolation + "\"");
        }
        this.interpolation = v;
        return this;
    }

    /** Makes the layer (built at once when a batch input shape was given). */
    public L build() {
        if (name == null) {
            name = LayerNames.next(className);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }
}

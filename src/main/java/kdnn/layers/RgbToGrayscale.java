package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * {@code rgb_to_grayscale(images)}: each pixel's {@code 0.2989 r + 0.5870 g + 0.1140 b} in float32,
 * the channel axis kept with length 1, as tf.keras' {@code tf.image.rgb_to_grayscale} (a TFOpLambda)
 * and Keras 3's {@code ops.image.rgb_to_grayscale} ({@code RGBToGrayscale} operation, either data
 * format) compute it; an image of one channel passes as it is (Keras 3's newer backends), any other
 * count is refused in Keras' words. In Java over the OpenMP team, one pass.
 */
public final class RgbToGrayscale extends Layer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "RGBToGrayscale"}. */
    public static final String CLASS_NAME = "RGBToGrayscale";

    private static final float RED = 0.2989f;
    private static final float GREEN = 0.5870f;
    private static final float BLUE = 0.1140f;

    private final DataFormat format;

    private RgbToGrayscale(String name, long[] batchInputShape, boolean trainable, DataFormat format) {
        super(name, batchInputShape, trainable);
        this.format = format;
    }

    /** From the config: {@code data_format} (null for channels_last). */
    public static RgbToGrayscale fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        DataFormat format = DataFormat.parse(r.string("data_format", null));
        r.finish();
        return Layer.builtFor(new RgbToGrayscale(name == null ? LayerNames.next(CLASS_NAME) : name, batchInputShape,
                trainable, format), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "image.rgb_to_grayscale";
    }

    @Override
    public String keras3Module() {
        return "keras.src.ops.image";
    }

    /** Keras' {@code data_format}. */
    public DataFormat dataFormat() {
        ensureOpen();
        return format;
    }

    private int channelAxis() {
        return format == DataFormat.CHANNELS_FIRST ? 1 : 3;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 4) {
            throw incompatible(shape, "Invalid images rank: expected rank 4 (a batch of images). Received input with shape:"
                    + " images.shape=" + Shapes.format(shape));
        }
        long c = shape[channelAxis()];
        if (c != 1 && c != 3) {
            throw incompatible(shape, "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with shape:"
                    + " images.shape=" + Shapes.format(shape));
        }
        long[] out = shape.clone();
        out[channelAxis()] = 1;
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(Shapes.product(inputShape), 0) * 2;
    }

    /** A weighted mean of three values: no output exceeds the largest input (the weights sum to 0.9999). */
    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        computeOutputShape(inputShape);
        if (inputShape[channelAxis()] == 1) return Copies.copy(Shapes.product(inputShape));
        long n = inputShape[0];
        long pixels = Shapes.product(inputShape) / (3 * n);
        boolean channelsFirst = format == DataFormat.CHANNELS_FIRST;
        return Pipeline.ofJava((in, out) -> gray(in, out, n, pixels, channelsFirst));
    }

    private static void gray(MemorySegment in, MemorySegment out, long n, long pixels, boolean channelsFirst) {
        // one channel stride apart (channels_first) or adjacent (channels_last)
        long step = channelsFirst ? pixels : 1;
        long pixelStride = channelsFirst ? 1 : 3;
        int images = Math.toIntExact(n);
        TeamLoop.run(n * pixels * 3, images, (part, parts) -> {
            for (int image = TeamLoop.from(part, parts, images); image < TeamLoop.from(part + 1, parts, images); image++) {
                long base = image * pixels * 3;
                for (long p = 0; p < pixels; p++) {
                    long at = base + p * pixelStride;
                    float r = in.getAtIndex(ValueLayout.JAVA_FLOAT, at);
                    float g = in.getAtIndex(ValueLayout.JAVA_FLOAT, at + step);
                    float bl = in.getAtIndex(ValueLayout.JAVA_FLOAT, at + 2 * step);
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, image * pixels + p, r * RED + g * GREEN + bl * BLUE);
                }
            }
        });
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("data_format", format.kerasName());
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * TensorFlow's {@code tf.image.per_image_standardization} (a TFOpLambda in tf.keras files): each
 * image (everything but the batch axis) less its mean, divided by {@code max(stddev, 1 / sqrt(N))}
 * over its N values, so a uniform image stays finite; the standard deviation TensorFlow's
 * {@code reduce_std} (the root of the mean squared deviation), NaN kept. Keras 3 has no such
 * operation, so only tf.keras' files hold it. In Java over the OpenMP team, the sums in double.
 */
public final class PerImageStandardization extends Layer implements KerasOperation {
    /** kdnn's class name, {@code "PerImageStandardization"}. */
    public static final String CLASS_NAME = "PerImageStandardization";

    private PerImageStandardization(String name, long[] batchInputShape, boolean trainable) {
        super(name, batchInputShape, trainable);
    }

    /** From kdnn's config form: no arguments. */
    public static PerImageStandardization fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        r.finish();
        return Layer.builtFor(new PerImageStandardization(name == null ? LayerNames.next(CLASS_NAME) : name,
                batchInputShape, trainable), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "image.per_image_standardization";
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 4) {
            throw incompatible(shape, "expected a batch of images of at least 3 axes each, found ndim=" + shape.length);
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(Shapes.product(inputShape), 0) * 4;
    }

    /** Standardized values are not bounded by the input's: none. */
    @Override
    double outputBound(double inputBound) {
        return Double.NaN;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        computeOutputShape(inputShape);
        long images = inputShape[0];
        long per = Shapes.product(inputShape) / Math.max(images, 1);
        return Pipeline.ofJava((in, out) -> standardize(in, out, images, per));
    }

    private static void standardize(MemorySegment in, MemorySegment out, long images, long per) {
        int count = Math.toIntExact(images);
        // TensorFlow's floor on the deviation, rsqrt(N) in float32
        float floor = (float) (1 / Math.sqrt((float) per));
        TeamLoop.run(images * per * 3, count, (part, parts) -> {
            for (int image = TeamLoop.from(part, parts, count); image < TeamLoop.from(part + 1, parts, count); image++) {
                long base = image * per;
                double sum = 0;
                for (long i = 0; i < per; i++) sum += in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
                float mean = (float) (sum / per);
                double deviations = 0;
                for (long i = 0; i < per; i++) {
                    double d = in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - (double) mean;
                    deviations += d * d;
                }
                float stddev = (float) Math.sqrt(deviations / per);
                float scale = Float.isNaN(stddev) ? stddev : Math.max(stddev, floor);
                for (long i = 0; i < per; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i) - mean) / scale);
                }
            }
        });
    }

    @Override
    public ObjectNode getConfig() {
        return baseConfig();
    }
}

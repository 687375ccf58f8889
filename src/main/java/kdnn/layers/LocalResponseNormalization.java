package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;
import kdnn.runtime.TeamLoop;

/**
 * TensorFlow's {@code tf.nn.local_response_normalization} ({@code tf.nn.lrn}; a TFOpLambda in tf.keras
 * files, as AlexNet and GoogLeNet ports call it): each value over its channel window,
 * {@code x / (bias + alpha * sum(x[c - r .. c + r] ** 2)) ** beta} along the last axis of a 4-D
 * tensor, the window cut at the ends. Keras 3 has no such operation, so only tf.keras' files hold
 * it. In Java over the OpenMP team, a running sum of squares per pixel.
 */
public final class LocalResponseNormalization extends Layer implements KerasOperation {
    /** kdnn's class name, {@code "LocalResponseNormalization"}. */
    public static final String CLASS_NAME = "LocalResponseNormalization";

    private final int depthRadius;
    private final double bias;
    private final double alpha;
    private final double beta;

    private LocalResponseNormalization(String name, boolean trainable, int depthRadius, double bias, double alpha,
                                       double beta) {
        super(name, null, trainable);
        this.depthRadius = depthRadius;
        this.bias = bias;
        this.alpha = alpha;
        this.beta = beta;
    }

    /** From kdnn's config form: TensorFlow's {@code depth_radius} (5), {@code bias} (1), {@code alpha} (1), {@code beta} (0.5). */
    public static LocalResponseNormalization fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode radius = r.node("depth_radius");
        int depthRadius = radius.isNull() ? 5 : ConfigReader.toInt("depth_radius", radius);
        if (depthRadius < 0) {
            throw new IllegalArgumentException("LocalResponseNormalization's `depth_radius` must be >= 0. Received:"
                    + " depth_radius=" + depthRadius);
        }
        double bias = number(r, "bias", 1);
        double alpha = number(r, "alpha", 1);
        double beta = number(r, "beta", 0.5);
        r.finish();
        return new LocalResponseNormalization(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, depthRadius,
                bias, alpha, beta);
    }

    private static double number(ConfigReader r, String key, double fallback) {
        JsonNode n = r.node(key);
        if (n.isNull()) return fallback;
        if (!n.isNumber()) throw ConfigReader.bad(key, n, "a number");
        return n.asDouble();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "nn.local_response_normalization";
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        // TensorFlow's LRN takes 4-D input
        if (shape.length != 4) throw incompatible(shape, "input must be 4-dimensional, found ndim=" + shape.length);
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

    /** Not bounded by the input's magnitude for every bias and beta: none. */
    @Override
    double outputBound(double inputBound) {
        return Double.NaN;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        computeOutputShape(inputShape);
        long channels = inputShape[3];
        long pixels = Shapes.product(inputShape) / Math.max(channels, 1);
        return Pipeline.ofJava((in, out) -> normalize(in, out, pixels, channels));
    }

    private void normalize(MemorySegment in, MemorySegment out, long pixels, long channels) {
        int c = Math.toIntExact(channels);
        int parts = (int) Math.min(pixels, Integer.MAX_VALUE);
        float b = (float) bias;
        float a = (float) alpha;
        double e = -beta;
        TeamLoop.run(pixels * channels * (2L * depthRadius + 1), parts, (part, count) -> {
            for (long p = TeamLoop.from(part, count, parts); p < TeamLoop.from(part + 1, count, parts); p++) {
                long base = p * channels;
                for (int ch = 0; ch < c; ch++) {
                    // the squares of the window, summed in float in channel order, as TensorFlow's kernel does
                    float sum = 0f;
                    for (int k = Math.max(0, ch - depthRadius); k <= Math.min(c - 1, ch + depthRadius); k++) {
                        float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, base + k);
                        sum += v * v;
                    }
                    float x = in.getAtIndex(ValueLayout.JAVA_FLOAT, base + ch);
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, base + ch, (float) (x * Math.pow(b + a * sum, e)));
                }
            }
        });
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("depth_radius", depthRadius);
        c.put("bias", bias);
        c.put("alpha", alpha);
        c.put("beta", beta);
        return c;
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;

/**
 * Keras 3's AutoContrast, which (unlike the random augmentations) acts at inference too: each
 * image's values, taken to (0, 255) from {@code value_range}, are stretched so that their minimum
 * becomes 0 and their maximum 255 (per image and per position of the last axis, the minimum and
 * maximum over axes 1 and 2, whatever the data format, as Keras reduces them), clipped to
 * (0, 255) and taken back to {@code value_range}; where that gives NaN (a constant channel, or one
 * holding NaN) the input value is kept. Computed in float32, operation by operation as Keras does.
 */
public final class AutoContrast extends Layer {
    /** Keras' class name, {@code "AutoContrast"}. */
    public static final String CLASS_NAME = "AutoContrast";

    private final double low;
    private final double high;
    private final JsonNode valueRange;

    private AutoContrast(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.low = Math.min(b.valueRange[0], b.valueRange[1]);
        this.high = Math.max(b.valueRange[0], b.valueRange[1]);
        this.valueRange = b.valueRangeNode;
    }

    /** Arguments of AutoContrast with Keras' defaults. */
    public static final class Builder extends LayerBuilder<Builder, AutoContrast> {
        double[] valueRange = {0, 255};
        JsonNode valueRangeNode;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code value_range}: the two ends of the incoming images' values, either order. */
        public Builder valueRange(double a, double b) {
            this.valueRange = new double[] {a, b};
            this.valueRangeNode = null;
            return this;
        }

        @Override
        void validate() {
            if (valueRangeNode == null) {
                var sorted = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                sorted.add(Math.min(valueRange[0], valueRange[1])).add(Math.max(valueRange[0], valueRange[1]));
                valueRangeNode = sorted;
            }
        }

        @Override
        AutoContrast make() {
            return new AutoContrast(this);
        }
    }

    /** A builder with Keras' defaults ({@code value_range=(0, 255)}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static AutoContrast fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode v = r.node("value_range");
        if (!v.isNull()) {
            if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
                throw new IllegalArgumentException("The `value_range` argument should be a list of two numbers. Received:"
                        + " value_range=" + v);
            }
            double a = v.get(0).asDouble();
            double c = v.get(1).asDouble();
            // Keras keeps the list sorted, ints as ints
            b.valueRange = new double[] {a, c};
            var sorted = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            sorted.add(a <= c ? v.get(0) : v.get(1)).add(a <= c ? v.get(1) : v.get(0));
            b.valueRangeNode = sorted;
        }
        r.string("bounding_box_format", null); // for bounding boxes, which a model's tensors never are
        r.string("data_format", null); // accepted by Keras' base class; the reduction is over axes 1 and 2 whatever it says
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code value_range}, sorted. */
    public double[] valueRange() {
        return new double[] {low, high};
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 4) {
            throw incompatible(shape, "expected ndim=4 (a batch of images), found ndim=" + shape.length);
        }
        for (int a = 1; a < 4; a++) {
            if (shape[a] <= 0) throw incompatible(shape, "every dimension but the batch must be positive");
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(Shapes.product(inputShape), 0);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] s = inputShape.clone();
        return Pipeline.ofJava((in, out) -> contrast(in, out, s));
    }

    private void contrast(MemorySegment in, MemorySegment out, long[] s) {
        boolean convert = !(low == 0 && high == 255);
        float lo = (float) low;
        float hi = (float) high;
        long rows = s[1] * s[2];
        long last = s[3];
        // each image's columns of the last axis are independent: in parts over the OpenMP team
        int columns = Math.toIntExact(s[0] * last);
        kdnn.runtime.TeamLoop.run(s[0] * rows * last * 2, columns, (part, parts) -> {
            for (int column = kdnn.runtime.TeamLoop.from(part, parts, columns);
                 column < kdnn.runtime.TeamLoop.from(part + 1, parts, columns); column++) {
                long b = column / last;
                long j = column % last;
                long base = b * rows * last;
                // the minimum and maximum over axes 1 and 2, NaN when one value is
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (long i = 0; i < rows; i++) {
                    float x = toStretch(in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i * last + j), convert, lo, hi);
                    min = Float.isNaN(x) || Float.isNaN(min) ? Float.NaN : Math.min(min, x);
                    max = Float.isNaN(x) || Float.isNaN(max) ? Float.NaN : Math.max(max, x);
                }
                float scale = 255f / (max - min);
                float offset = -min * scale;
                for (long i = 0; i < rows; i++) {
                    long at = base + i * last + j;
                    float original = in.getAtIndex(ValueLayout.JAVA_FLOAT, at);
                    float y = toStretch(original, convert, lo, hi) * scale + offset;
                    float r = Float.isNaN(y) ? y : Math.min(Math.max(y, 0f), 255f);
                    if (convert) r = (r - 0f) / (255f - 0f) * (hi - lo) + lo;
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, at, Float.isNaN(r) ? original : r);
                }
            }
        });
    }

    /** Keras' _transform_value_range from value_range to (0, 255), in float32. */
    private static float toStretch(float x, boolean convert, float lo, float hi) {
        return convert ? (x - lo) / (hi - lo) * (255f - 0f) + 0f : x;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (valueRange != null) c.set("value_range", valueRange.deepCopy());
        return c;
    }
}

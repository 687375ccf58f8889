package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * An element-wise function of one tensor and constants that Keras has no layer for:
 * {@code clip(x, x_min, x_max)} ({@code min(max(x, x_min), x_max)}: a NaN stays NaN, and
 * {@code x_max} wins where {@code x_min > x_max}, as NumPy and TensorFlow compute it) and
 * {@code power(x, p)} ({@code x ** p}, computed in double and rounded once; NaN for a negative base
 * and a fractional power), {@code maximum(x, c)} and {@code minimum(x, c)} (a NaN on either side
 * gives NaN, as TensorFlow's). tf.keras saves them as the TFOpLambdas of {@code tf.clip_by_value},
 * {@code tf.math.pow}, {@code tf.math.maximum} and {@code tf.math.minimum}, Keras 3 as its
 * {@code Clip}, {@code Power}, {@code Maximum} and {@code Minimum} operations. In Java, one pass
 * over the values. Keras has no layer for them: a file keeps the form it came in.
 */
public final class ConstantFunction extends ElementwiseLayer implements KerasOperation {
    /** Keras 3's class name of the clip operation. */
    public static final String CLIP = "Clip";

    /** Keras 3's class name of the power operation. */
    public static final String POWER = "Power";

    /** kdnn's class name of {@code maximum(x, c)} (Keras 3's operation is "Maximum", the merge layer's name). */
    public static final String MAXIMUM = "ConstantMaximum";

    /** kdnn's class name of {@code minimum(x, c)} (Keras 3's "Minimum"). */
    public static final String MINIMUM = "ConstantMinimum";

    private final String kind;
    private final double a; // x_min, or the exponent
    private final double b; // x_max

    private ConstantFunction(Builder builder) {
        super(builder);
        this.kind = builder.kind;
        this.a = builder.a;
        this.b = builder.b;
    }

    static final class Builder extends LayerBuilder<Builder, ConstantFunction> {
        final String kind;
        double a;
        double b;

        Builder(String kind) {
            super(kind);
            this.kind = kind;
        }

        @Override
        void validate() {
        }

        @Override
        ConstantFunction make() {
            return new ConstantFunction(this);
        }
    }

    /** From kdnn's config form: Clip's {@code x_min} and {@code x_max}, Power's {@code exponent}. */
    static ConstantFunction fromConfig(String kind, JsonNode config) {
        Builder b = new Builder(kind);
        ConfigReader r = b.readBase(config);
        if (kind.equals(CLIP)) {
            b.a = number(r, "x_min");
            b.b = number(r, "x_max");
        } else {
            b.a = number(r, kind.equals(POWER) ? "exponent" : "y");
        }
        r.finish();
        return b.build();
    }

    private static double number(ConfigReader r, String key) {
        JsonNode n = r.node(key);
        if (!n.isNumber()) throw ConfigReader.bad(key, n, "a number");
        return n.asDouble();
    }

    /** The class names, with their readers, for the layer registry. */
    static void register(java.util.Map<String, java.util.function.Function<JsonNode, Layer>> registry) {
        for (String k : List.of(CLIP, POWER, MAXIMUM, MINIMUM)) registry.put(k, c -> fromConfig(k, c));
    }

    @Override
    public String tfFunction() {
        return switch (kind) {
            case CLIP -> "clip_by_value";
            case POWER -> "math.pow";
            case MAXIMUM -> "math.maximum";
            default -> "math.minimum";
        };
    }

    /** Keras 3's class name of the operation: Clip, Power, Maximum or Minimum. */
    public String keras3ClassName() {
        return kind.equals(MAXIMUM) ? "Maximum" : kind.equals(MINIMUM) ? "Minimum" : kind;
    }

    @Override
    public String className() {
        return kind;
    }

    /** Clip's bounds {@code [x_min, x_max]}, Power's {@code [exponent]}, or the maximum's or minimum's constant. */
    public double[] constants() {
        ensureOpen();
        return kind.equals(CLIP) ? new double[] {a, b} : new double[] {a};
    }

    @Override
    Pipeline pipeline(long count) {
        float lo = (float) a;
        float hi = (float) b;
        return Eltwises.chain(count, List.of(), switch (kind) {
            case CLIP -> data -> clip(data, count, lo, hi);
            case POWER -> data -> power(data, count, a);
            case MAXIMUM -> data -> clip(data, count, lo, Float.POSITIVE_INFINITY);
            default -> data -> clip(data, count, Float.NEGATIVE_INFINITY, lo);
        });
    }

    // (a NaN bound makes every value NaN, as NumPy's and TensorFlow's maximum do)
    private static void clip(MemorySegment data, long count, float lo, float hi) {
        for (long i = 0; i < count; i++) {
            float x = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x != x) continue; // NaN stays
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.min(Math.max(x, lo), hi));
        }
    }

    private static void power(MemorySegment data, long count, double p) {
        for (long i = 0; i < count; i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.pow(data.getAtIndex(ValueLayout.JAVA_FLOAT, i), p));
        }
    }

    @Override
    double bound(double pre) {
        if (Double.isNaN(pre)) return Double.NaN; // a NaN passes through either
        if (kind.equals(CLIP)) return Math.max(Math.abs(a), Math.abs(b));
        if (!kind.equals(POWER)) return Math.max(pre, Math.abs(a)); // a maximum or minimum of x and c
        // |x| ** p grows with |x| for p >= 0; a fractional p gives NaN below 0
        return a >= 0 && a == Math.rint(a) ? Math.pow(pre, a) * (1 + 0x1p-22) : Double.NaN;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (kind.equals(CLIP)) {
            c.put("x_min", a);
            c.put("x_max", b);
        } else {
            c.put(kind.equals(POWER) ? "exponent" : "y", a);
        }
        return c;
    }
}

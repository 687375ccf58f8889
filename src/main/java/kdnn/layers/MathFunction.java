package kdnn.layers;

import static kdnn.bindings.dnnl_h.dnnl_eltwise_abs;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_sqrt;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_square;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Attributes;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * An element-wise math function of one tensor that Keras has no layer for: {@code tf.math.sqrt},
 * {@code square}, {@code abs}, {@code log}, {@code rsqrt} and {@code reciprocal} (tf.keras'
 * TFOpLambda), Keras 3's {@code ops.sqrt}, {@code square}, {@code absolute}, {@code log},
 * {@code rsqrt} and {@code reciprocal} (its {@code Sqrt}, {@code Square}, {@code Absolute},
 * {@code Log}, {@code Rsqrt} and {@code Reciprocal} operations); e.g. the pieces of a hand-written
 * normalization. Each has the Keras 3 operation's class name. The square root, the square and the
 * absolute value are exact, and so is the reciprocal ({@code 1 / x}, one division); the logarithm
 * is Java's, within an ulp as TensorFlow's (oneDNN's is off by about a hundred near 1, so it is
 * computed in Java, on one thread); the reciprocal square root is
 * {@code 1 / sqrt(x)} rounded once, which TensorFlow approximates too. Outside each function's
 * domain IEEE's values: NaN below 0 for the roots and the logarithm, infinities at 0.
 */
public final class MathFunction extends ElementwiseLayer implements KerasOperation {
    /** The functions, each with Keras 3's class name, tf.keras' function and the ops module Keras 3 keeps it in. */
    public enum Function {
        /** {@code sqrt(x)}. */
        SQRT("Sqrt", "math.sqrt", "numpy"),
        /** {@code x * x}. */
        SQUARE("Square", "math.square", "numpy"),
        /** {@code |x|}. */
        ABS("Absolute", "math.abs", "numpy"),
        /** The natural logarithm. */
        LOG("Log", "math.log", "numpy"),
        /** {@code 1 / sqrt(x)}. */
        RSQRT("Rsqrt", "math.rsqrt", "math"),
        /** {@code 1 / x}. */
        RECIPROCAL("Reciprocal", "math.reciprocal", "numpy"),
        /** -1, 0 or 1 by the sign (NaN kept). */
        SIGN("Sign", "math.sign", "numpy"),
        /** Rounded down. */
        FLOOR("Floor", "math.floor", "numpy"),
        /** Rounded up. */
        CEIL("Ceil", "math.ceil", "numpy"),
        /** Rounded to the nearest integer, halves to even (Keras 3's {@code decimals=0}). */
        ROUND("Round", "math.round", "numpy"),
        /** The sine. */
        SIN("Sin", "math.sin", "numpy"),
        /** The cosine. */
        COS("Cos", "math.cos", "numpy"),
        /** The tangent. */
        TAN("Tan", "math.tan", "numpy"),
        /** {@code exp(x) - 1}, accurate near 0. */
        EXPM1("Expm1", "math.expm1", "numpy"),
        /** {@code log(1 + x)}, accurate near 0. */
        LOG1P("Log1p", "math.log1p", "numpy"),
        /** The error function. */
        ERF("Erf", "math.erf", "math");

        final String className;
        final String tfFunction;
        final String module;

        Function(String className, String tfFunction, String module) {
            this.className = className;
            this.tfFunction = tfFunction;
            this.module = module;
        }

        /** Keras 3's class name of the operation, e.g. {@code "Absolute"}. */
        public String className() {
            return className;
        }

        /** tf.keras' function name of the TFOpLambda, e.g. {@code "math.abs"}. */
        public String tfFunction() {
            return tfFunction;
        }
    }

    private final Function function;

    private MathFunction(Builder b) {
        super(b);
        this.function = b.function;
    }

    /** A builder of one function. */
    public static final class Builder extends LayerBuilder<Builder, MathFunction> {
        final Function function;

        Builder(Function function) {
            super(function.className);
            this.function = function;
        }

        @Override
        void validate() {
        }

        @Override
        MathFunction make() {
            return new MathFunction(this);
        }
    }

    /** A builder of {@code function}. */
    public static Builder builder(Function function) {
        if (function == null) throw new IllegalArgumentException("MathFunction needs a function");
        return new Builder(function);
    }

    /** From kdnn's config form of {@code function}'s class: the name and the base arguments only. */
    static MathFunction fromConfig(Function function, JsonNode config) {
        Builder b = builder(function);
        ConfigReader r = b.readBase(config);
        if (function == Function.ROUND) {
            int decimals = r.integer("decimals", 0);
            if (decimals != 0) {
                throw new IllegalArgumentException("Round with decimals=" + decimals + " is not supported by kdnn (it"
                        + " rounds to integers, decimals=0)");
            }
        }
        r.finish();
        return b.build();
    }

    /** The class names of the functions, with their readers, for the layer registry. */
    static void register(java.util.Map<String, java.util.function.Function<JsonNode, Layer>> registry) {
        for (Function f : Function.values()) registry.put(f.className, c -> fromConfig(f, c));
    }

    /** The function computed. */
    public Function function() {
        ensureOpen();
        return function;
    }

    @Override
    public String tfFunction() {
        return function.tfFunction;
    }

    @Override
    public String keras3Module() {
        return "keras.src.ops." + function.module;
    }

    @Override
    public String className() {
        return function.className;
    }

    @Override
    Pipeline pipeline(long count) {
        return switch (function) {
            case SQRT -> Eltwises.chain(count, List.of(eltwise(dnnl_eltwise_sqrt())), null);
            case SQUARE -> Eltwises.chain(count, List.of(eltwise(dnnl_eltwise_square())), null);
            case ABS -> Eltwises.chain(count, List.of(eltwise(dnnl_eltwise_abs())), null);
            // oneDNN's logarithm is off by about 1e-6 near 1 (a hundred ulp) and takes a subnormal input for the
            // smallest normal one: Java's, within an ulp as TensorFlow's
            case LOG -> Eltwises.chain(count, List.of(), null, (in, out) -> logs(in, out, count));
            // oneDNN has no exact 1 / x: a division in Java, over the square root where asked
            case RSQRT -> Eltwises.chain(count, List.of(), data -> reciprocalSqrt(data, count));
            case RECIPROCAL -> Eltwises.chain(count, List.of(), data -> reciprocal(data, count));
            // the rest in Java, each value computed in double and rounded once
            default -> Eltwises.chain(count, List.of(), data -> javaFunction(data, count, function));
        };
    }

    private static Attributes.Eltwise eltwise(int algorithm) {
        return new Attributes.Eltwise(algorithm, 0f, 0f);
    }

    private static void logs(MemorySegment in, MemorySegment out, long count) {
        for (long i = 0; i < count; i++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.log(in.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
    }

    private static void javaFunction(MemorySegment data, long count, Function f) {
        for (long i = 0; i < count; i++) {
            double x = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            double y = switch (f) {
                case SIGN -> Math.signum(x);
                case FLOOR -> Math.floor(x);
                case CEIL -> Math.ceil(x);
                case ROUND -> Math.rint(x);
                case SIN -> Math.sin(x);
                case COS -> Math.cos(x);
                case TAN -> Math.tan(x);
                case EXPM1 -> Math.expm1(x);
                case LOG1P -> Math.log1p(x);
                case ERF -> erf(x);
                default -> throw new IllegalStateException(f.name());
            };
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) y);
        }
    }

    /**
     * The error function to within 1.2e-7 of its value (Numerical Recipes' Chebyshev fit of erfc,
     * {@code erfcc}), beyond float32's resolution once rounded; NaN kept, +-1 at the infinities.
     */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
                + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    private static void reciprocal(MemorySegment data, long count) {
        for (long i = 0; i < count; i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f / data.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }

    private static void reciprocalSqrt(MemorySegment data, long count) {
        for (long i = 0; i < count; i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (1 / Math.sqrt(data.getAtIndex(ValueLayout.JAVA_FLOAT, i))));
        }
    }

    @Override
    double bound(double pre) {
        return switch (function) {
            case SQRT -> Math.sqrt(pre) * (1 + 0x1p-22);
            case SQUARE -> pre * pre * (1 + 0x1p-22);
            case ABS -> pre;
            // near 0 these grow without bound
            case LOG, RSQRT, RECIPROCAL -> Double.NaN;
            case SIGN, SIN, COS, ERF -> Double.isNaN(pre) ? Double.NaN : 1;
            case FLOOR, CEIL, ROUND -> pre + 1;
            case TAN, EXPM1, LOG1P -> Double.NaN;
        };
    }

    @Override
    public ObjectNode getConfig() {
        return baseConfig();
    }
}

package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The element-wise math functions against Java's: bitwise for the square root, the square, the
 * absolute value, the reciprocal and the reciprocal square root (rounded once), within 2 ulp for the
 * logarithm (Java's own, so bitwise here), over random bit patterns (NaN, infinities, zeros of both signs and subnormals among
 * them) in both NaN modes.
 */
class MathFunctionTest {
    private static float[] values() {
        Random r = new Random(17);
        float[] x = new float[20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> (float) (r.nextGaussian() * 100);
                case 2 -> Float.intBitsToFloat(r.nextInt(0x00800000)) * (r.nextBoolean() ? 1 : -1); // subnormals
                default -> (float) r.nextDouble() * 4;
            };
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f, Float.MIN_VALUE,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_NORMAL};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    private static float[] run(MathFunction.Function f, float[] x, boolean keras) {
        try (MathFunction l = MathFunction.builder(f).build(); Tensor in = Tensor.of(x, 1, x.length)) {
            if (keras) l.setExtremes(ExtremeValues.KERAS);
            try (Tensor y = l.call(in)) {
                return y.toFloatArray();
            }
        }
    }

    private static float exact(MathFunction.Function f, float x) {
        return switch (f) {
            case SQRT -> (float) Math.sqrt(x);
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case RECIPROCAL -> 1f / x;
            case RSQRT -> (float) (1 / Math.sqrt(x));
            case LOG -> (float) Math.log(x);
            case SIGN -> Math.signum(x);
            case FLOOR -> (float) Math.floor(x);
            case CEIL -> (float) Math.ceil(x);
            case ROUND -> (float) Math.rint(x); // halves to even, as NumPy and TensorFlow round
            case SIN -> (float) Math.sin(x);
            case COS -> (float) Math.cos(x);
            case TAN -> (float) Math.tan(x);
            case EXPM1 -> (float) Math.expm1(x);
            case LOG1P -> (float) Math.log1p(x);
            case ERF -> (float) erfSeries(x);
        };
    }

    /**
     * erf by its Taylor series in double below 3, and 1 - erfc by erfc's asymptotic series beyond: an
     * independent check of the fit kdnn uses.
     */
    private static double erfSeries(double x) {
        if (Double.isNaN(x)) return x;
        double z = Math.abs(x);
        if (z >= 3) {
            double inv = 1 / (2 * z * z);
            double series = 1 - inv + 3 * inv * inv - 15 * inv * inv * inv + 105 * inv * inv * inv * inv;
            return Math.signum(x) * (1 - Math.exp(-z * z) / (z * Math.sqrt(Math.PI)) * series);
        }
        double sum = 0;
        double term = x; // x^(2n+1) (-1)^n / n!
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void eachFunctionAsJavaComputesIt() {
        float[] x = values();
        for (MathFunction.Function f : MathFunction.Function.values()) {
            for (boolean keras : new boolean[] {false, true}) {
                float[] y = run(f, x, keras);
                for (int i = 0; i < x.length; i++) {
                    float want = exact(f, x[i]);
                    String what = f + (keras ? " (keras mode)" : "") + " of " + x[i] + " (bits " + Integer.toHexString(
                            Float.floatToRawIntBits(x[i])) + "): " + y[i] + " against " + want;
                    if (f == MathFunction.Function.ERF) {
                        // a fit within 1.2e-7 of erf, rounded once
                        assertTrue(Float.isNaN(want) ? Float.isNaN(y[i]) : Math.abs(y[i] - want) <= 2.5e-7, what);
                    } else if (Float.isNaN(want) || Float.isInfinite(want) || want == 0 || f != MathFunction.Function.LOG) {
                        // exact, the sign of zero included
                        assertTrue(Float.floatToIntBits(want) == Float.floatToIntBits(y[i]), what);
                    } else {
                        assertTrue(Math.abs(y[i] - want) <= Math.ulp(want), what);
                    }
                }
            }
        }
    }

    @Test
    void classNamesAndConfigs() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (MathFunction.Function f : MathFunction.Function.values()) {
            try (Layer l = Layers.fromConfig(json.readTree("{\"class_name\": \"" + f.className() + "\", \"config\": {\"name\":"
                    + " \"op\"}}")); Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                assertEquals(f, ((MathFunction) l).function());
                assertEquals(f.className(), back.className());
                assertEquals(Layers.toConfig(l), Layers.toConfig(back));
            }
        }
        var bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(
                json.readTree("{\"class_name\": \"Sqrt\", \"config\": {\"name\": \"op\", \"axis\": 1}}")));
        assertTrue(bad.getMessage().contains("axis"), bad.getMessage());
    }
}

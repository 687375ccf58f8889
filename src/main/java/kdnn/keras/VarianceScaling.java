package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.Objects;

/**
 * Keras {@code VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None)}
 * and its presets (GlorotUniform, HeNormal, ...), which Keras implements as subclasses that
 * serialize only their seed.
 */
public final class VarianceScaling implements Initializer {
    /** stddev of a unit normal truncated to [-2, 2] (scipy.stats.truncnorm.std(-2, 2)), as in Keras. */
    static final double TRUNCATED_STDDEV = 0.87962566103423978;

    private final String className;
    private final boolean preset;
    private final double scale;
    private final String mode;
    private final String distribution;
    private final Long seed;

    /**
     * Keras' {@code VarianceScaling}.
     * @param mode {@code fan_in}, {@code fan_out} or {@code fan_avg}
     * @param distribution {@code truncated_normal}, {@code untruncated_normal} or {@code uniform}
     * @param seed null for a random seed
     * @throws IllegalArgumentException for an argument Keras refuses, naming it
     */
    public VarianceScaling(double scale, String mode, String distribution, Long seed) {
        this("VarianceScaling", false, scale, mode, distribution, seed);
    }

    /** Keras' defaults: scale 1, fan_in, truncated_normal, no seed. */
    public VarianceScaling() {
        this(1.0, "fan_in", "truncated_normal", null);
    }

    private VarianceScaling(String className, boolean preset, double scale, String mode, String distribution, Long seed) {
        // Keras' own checks and wording (initializers_v2.VarianceScaling.__init__)
        if (!(scale > 0.0)) {
            throw new IllegalArgumentException("`scale` must be positive float. Received: scale=" + scale + ".");
        }
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(distribution, "distribution");
        if (!mode.equals("fan_in") && !mode.equals("fan_out") && !mode.equals("fan_avg")) {
            throw new IllegalArgumentException("Invalid `mode` argument: " + mode
                    + ". Please use one of the {'fan_in', 'fan_out', 'fan_avg'}.");
        }
        String dist = distribution.toLowerCase(Locale.ROOT);
        if (dist.equals("normal")) dist = "truncated_normal"; // legacy keras-team/keras name
        if (!dist.equals("uniform") && !dist.equals("truncated_normal") && !dist.equals("untruncated_normal")) {
            throw new IllegalArgumentException("Invalid `distribution` argument: " + dist
                    + ". Allowed distributions: {'uniform', 'truncated_normal', 'untruncated_normal'}.");
        }
        this.className = className;
        this.preset = preset;
        this.scale = scale;
        this.mode = mode;
        this.distribution = dist;
        this.seed = seed;
    }

    /** Keras' {@code GlorotUniform}; {@code seed} null for a random one. */
    public static VarianceScaling glorotUniform(Long seed) {
        return new VarianceScaling("GlorotUniform", true, 1.0, "fan_avg", "uniform", seed);
    }

    /** Keras' {@code GlorotNormal}; {@code seed} null for a random one. */
    public static VarianceScaling glorotNormal(Long seed) {
        return new VarianceScaling("GlorotNormal", true, 1.0, "fan_avg", "truncated_normal", seed);
    }

    /** Keras' {@code HeNormal}; {@code seed} null for a random one. */
    public static VarianceScaling heNormal(Long seed) {
        return new VarianceScaling("HeNormal", true, 2.0, "fan_in", "truncated_normal", seed);
    }

    /** Keras' {@code HeUniform}; {@code seed} null for a random one. */
    public static VarianceScaling heUniform(Long seed) {
        return new VarianceScaling("HeUniform", true, 2.0, "fan_in", "uniform", seed);
    }

    /** Keras' {@code LecunNormal}; {@code seed} null for a random one. */
    public static VarianceScaling lecunNormal(Long seed) {
        return new VarianceScaling("LecunNormal", true, 1.0, "fan_in", "truncated_normal", seed);
    }

    /** Keras' {@code LecunUniform}; {@code seed} null for a random one. */
    public static VarianceScaling lecunUniform(Long seed) {
        return new VarianceScaling("LecunUniform", true, 1.0, "fan_in", "uniform", seed);
    }

    /** Keras' class name: {@code VarianceScaling} or the named form it was made as (e.g. {@code GlorotUniform}). */
    public String className() { return className; }
    /** Keras' {@code scale} argument. */
    public double scale() { return scale; }
    /** Keras' {@code mode} argument. */
    public String mode() { return mode; }
    /** Keras' {@code distribution} argument. */
    public String distribution() { return distribution; }
    /** Keras' {@code seed} argument, or null. */
    public Long seed() { return seed; }

    /** The variance Keras aims for: scale / max(1, n) with n the fan picked by mode. */
    public double variance(int[] shape) {
        WeightShape.Fans fans = WeightShape.fans(shape);
        double n = switch (mode) {
            case "fan_in" -> fans.in();
            case "fan_out" -> fans.out();
            default -> (fans.in() + fans.out()) / 2.0;
        };
        return scale / Math.max(1.0, n);
    }

    @Override
    public float[] initialize(int[] shape) {
        return draw(shape, variance(shape));
    }

    /**
     * This initializer with Keras 3's fans over the given axes of the weight (EinsumDense's kernel:
     * {@code compute_fans(shape, input_axes, output_axes)}); its config unchanged.
     */
    public Initializer overAxes(int[] inputAxes, int[] outputAxes) {
        VarianceScaling self = this;
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape) {
                double in = 1;
                double out = 1;
                for (int a : inputAxes) in *= shape[a];
                for (int a : outputAxes) out *= shape[a];
                double n = switch (mode) {
                    case "fan_in" -> in;
                    case "fan_out" -> out;
                    default -> (in + out) / 2.0;
                };
                return draw(shape, scale / Math.max(1.0, n));
            }

            @Override
            public ObjectNode toConfig() {
                return self.toConfig();
            }
        };
    }

    private float[] draw(int[] shape, double variance) {
        return switch (distribution) {
            // divide so the stddev after truncation is sqrt(variance)
            case "truncated_normal" -> Rng.truncatedNormal(shape, 0.0, Math.sqrt(variance) / TRUNCATED_STDDEV, seed);
            case "untruncated_normal" -> Rng.normal(shape, 0.0, Math.sqrt(variance), seed);
            default -> {
                double limit = Math.sqrt(3.0 * variance);
                yield Rng.uniform(shape, -limit, limit, seed);
            }
        };
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        if (!preset) {
            config.put("scale", scale);
            config.put("mode", mode);
            config.put("distribution", distribution);
        }
        KerasJson.putSeed(config, seed);
        return KerasJson.serialized(className, config);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VarianceScaling v && v.className.equals(className) && v.preset == preset
                && v.scale == scale && v.mode.equals(mode) && v.distribution.equals(distribution)
                && Objects.equals(v.seed, seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(className, scale, mode, distribution, seed);
    }

    @Override
    public String toString() {
        return className + toConfig().get("config");
    }
}

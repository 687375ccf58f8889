package kdnn.keras;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Random sources for initializers. A seeded initializer gives the same values on every call
 * (as Keras 2's stateless initializers do); an unseeded one draws fresh values. The streams
 * are not TensorFlow's: only the distributions match.
 */
final class Rng {
    private Rng() {}

    static RandomGenerator of(Long seed) {
        return seed == null ? new SplittableRandom() : new SplittableRandom(seed);
    }

    /** Standard normal redrawn until within 2 standard deviations, as TF's truncated_normal does. */
    static double truncatedGaussian(RandomGenerator rng) {
        double z;
        do {
            z = rng.nextGaussian();
        } while (Math.abs(z) >= 2.0);
        return z;
    }

    static float[] normal(int[] shape, double mean, double stddev, Long seed) {
        RandomGenerator rng = of(seed);
        float[] out = new float[WeightShape.length(shape)];
        for (int i = 0; i < out.length; i++) out[i] = (float) (mean + stddev * rng.nextGaussian());
        return out;
    }

    static float[] truncatedNormal(int[] shape, double mean, double stddev, Long seed) {
        RandomGenerator rng = of(seed);
        float[] out = new float[WeightShape.length(shape)];
        for (int i = 0; i < out.length; i++) out[i] = (float) (mean + stddev * truncatedGaussian(rng));
        return out;
    }

    /** Uniform on [min, max), like tf.random.uniform. */
    static float[] uniform(int[] shape, double min, double max, Long seed) {
        RandomGenerator rng = of(seed);
        float[] out = new float[WeightShape.length(shape)];
        for (int i = 0; i < out.length; i++) {
            float v = (float) (min + (max - min) * rng.nextDouble());
            if (min < max) {
                // rounding to float can step outside; keep the half-open interval [min, max)
                while (v >= max) v = Math.nextDown(v);
                while (v < min) v = Math.nextUp(v);
            }
            out[i] = v;
        }
        return out;
    }
}

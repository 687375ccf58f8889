package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keras {@code L1L2(l1=0.0, l2=0.0)}. Factors are stored as float32, as Keras' cast_to_floatx
 * does, so configs read back as Keras writes them (0.01 becomes 0.009999999776482582).
 */
public record L1L2(float l1, float l2) implements Regularizer {
    /**
     * Checks the factors.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L1L2 {
        Regularizer.checkFactor("l1", l1);
        Regularizer.checkFactor("l2", l2);
    }

    /**
     * Keras' {@code L1L2(l1, l2)}, the factors rounded to float32 as Keras stores them.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L1L2(double l1, double l2) {
        this(Regularizer.checkFactor("l1", l1), Regularizer.checkFactor("l2", l2));
    }

    @Override
    public double penalty(float[] weights) {
        double p = 0;
        if (l1 != 0f) p += l1 * Regularizer.sumAbs(weights);
        if (l2 != 0f) p += l2 * Regularizer.sumSquares(weights);
        return p;
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("l1", (double) l1);
        config.put("l2", (double) l2);
        return KerasJson.serialized("L1L2", config);
    }
}

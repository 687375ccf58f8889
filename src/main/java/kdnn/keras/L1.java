package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code L1(l1=0.01)}: {@code l1 * sum(|w|)}; factor kept as float32 like Keras. */
public record L1(float l1) implements Regularizer {
    /**
     * Checks the factor.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L1 {
        Regularizer.checkFactor("l1", l1);
    }

    /**
     * Keras' {@code L1(l1)}, the factor rounded to float32 as Keras stores it.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L1(double l1) {
        this(Regularizer.checkFactor("l1", l1));
    }

    @Override
    public double penalty(float[] weights) {
        return l1 * Regularizer.sumAbs(weights);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("l1", (double) l1);
        return KerasJson.serialized("L1", config);
    }
}

package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code L2(l2=0.01)}: {@code l2 * sum(w^2)}; factor kept as float32 like Keras. */
public record L2(float l2) implements Regularizer {
    /**
     * Checks the factor.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L2 {
        Regularizer.checkFactor("l2", l2);
    }

    /**
     * Keras' {@code L2(l2)}, the factor rounded to float32 as Keras stores it.
     * @throws IllegalArgumentException for a NaN or infinite factor (Keras' message)
     */
    public L2(double l2) {
        this(Regularizer.checkFactor("l2", l2));
    }

    @Override
    public double penalty(float[] weights) {
        return l2 * Regularizer.sumSquares(weights);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("l2", (double) l2);
        return KerasJson.serialized("L2", config);
    }
}

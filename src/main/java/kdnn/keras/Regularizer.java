package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A Keras 2 weight regularizer: the penalty it adds to the loss for one weight tensor. */
public interface Regularizer {
    /** Keras: {@code l1 * sum(|w|) + l2 * sum(w^2)}, accumulated in double. */
    double penalty(float[] weights);

    /** Keras' serialized form, {@code {"class_name": ..., "config": {...}}}. */
    ObjectNode toConfig();

    /** The sum of |w| in double precision. */
    static double sumAbs(float[] w) {
        double s = 0;
        for (float v : w) s += Math.abs(v);
        return s;
    }

    /** The sum of w squared in double precision. */
    static double sumSquares(float[] w) {
        double s = 0;
        for (float v : w) s += (double) v * v;
        return s;
    }

    /** Keras' {@code _check_penalty_number}: factors must be finite numbers. */
    static float checkFactor(String name, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Value " + value + " of argument '" + name
                    + "' is not a valid regularization penalty number, an infinite number or NaN are not valid values.");
        }
        return (float) value;
    }
}

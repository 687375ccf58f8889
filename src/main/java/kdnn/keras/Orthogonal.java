package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.random.RandomGenerator;

/**
 * Keras {@code Orthogonal(gain=1.0, seed=None)}: the shape is flattened to
 * (prod(shape[:-1]), shape[-1]); the result has orthonormal columns when that matrix is tall
 * and orthonormal rows when it is wide, times gain.
 */
public record Orthogonal(double gain, Long seed) implements Initializer {
    /** Keras' defaults: gain 1. */
    public Orthogonal() {
        this(1.0, null);
    }

    @Override
    public float[] initialize(int[] shape) {
        checkShape(shape);
        int total = WeightShape.length(shape);
        int cols = shape[shape.length - 1];
        int rows = cols == 0 ? 0 : total / cols;
        int tall = Math.max(rows, cols), narrow = Math.min(rows, cols);
        // q: tall x narrow, column-major so each column is one contiguous vector
        double[][] q = new double[narrow][tall];
        RandomGenerator rng = Rng.of(seed);
        for (int i = 0; i < tall; i++) {
            for (int j = 0; j < narrow; j++) q[j][i] = rng.nextGaussian(); // row-major draw order, as a (tall, narrow) matrix
        }
        orthonormalize(q);
        float[] out = new float[total];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // tall: out = q; wide: out = q transposed
                double v = rows >= cols ? q[c][r] : q[r][c];
                out[r * cols + c] = (float) (gain * v);
            }
        }
        return out;
    }

    /**
     * Modified Gram-Schmidt, run twice for numerical orthogonality. Equals QR's Q with the
     * sign of diag(R) made positive, which is what Keras' {@code q *= sign(diag(r))} produces.
     */
    private static void orthonormalize(double[][] cols) {
        for (int j = 0; j < cols.length; j++) {
            double[] v = cols[j];
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double dot = dot(cols[k], v);
                    for (int i = 0; i < v.length; i++) v[i] -= dot * cols[k][i];
                }
            }
            double norm = Math.sqrt(dot(v, v));
            for (int i = 0; i < v.length; i++) v[i] /= norm;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Override
    public void checkShape(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("The tensor to initialize must be at least two-dimensional. Received: shape="
                    + WeightShape.describe(shape) + " of rank " + shape.length + ".");
        }
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("gain", gain);
        KerasJson.putSeed(config, seed);
        return KerasJson.serialized("Orthogonal", config);
    }
}

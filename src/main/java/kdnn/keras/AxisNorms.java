package kdnn.keras;

/**
 * L2 norms over some axes with keepdims, as {@code sqrt(reduce_sum(square(w), axis, keepdims=True))}
 * in Keras' norm constraints, and the broadcast rescale that follows.
 */
final class AxisNorms {
    /** K.epsilon(), added to the norm before dividing. */
    static final double EPSILON = 1e-7;

    private AxisNorms() {}

    /** Per element, the index of its group in the keepdims-reduced tensor. */
    static int[] groupOf(int[] shape, Axes axes) {
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes.values()) {
            int axis = a < 0 ? a + shape.length : a; // negative axes count from the end
            if (axis < 0 || axis >= shape.length) {
                throw new IllegalArgumentException("Invalid axis " + a + " for weights of rank " + shape.length
                        + " (shape " + WeightShape.describe(shape) + "). Expected an axis in [" + (-shape.length)
                        + ", " + shape.length + ")");
            }
            reduced[axis] = true;
        }
        int n = WeightShape.length(shape);
        int[] group = new int[n];
        int[] coord = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int g = 0;
            for (int d = 0; d < shape.length; d++) {
                if (!reduced[d]) g = g * shape[d] + coord[d];
            }
            group[i] = g;
            // advance the row-major coordinate
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++coord[d] < shape[d]) break;
                coord[d] = 0;
            }
        }
        return group;
    }

    static int groups(int[] group) {
        int max = -1;
        for (int g : group) max = Math.max(max, g);
        return max + 1;
    }

    static double[] norms(float[] w, int[] group) {
        double[] sums = new double[groups(group)];
        for (int i = 0; i < w.length; i++) sums[group[i]] += (double) w[i] * w[i];
        for (int g = 0; g < sums.length; g++) sums[g] = Math.sqrt(sums[g]);
        return sums;
    }

    /** Multiplies each element by the factor of its group. */
    static float[] scale(float[] w, int[] group, double[] factor) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = (float) (w[i] * factor[group[i]]);
        return out;
    }

    /** w * desired(norm) / (eps + norm), the shape shared by MaxNorm and MinMaxNorm. */
    static float[] rescale(float[] w, int[] shape, Axes axes, java.util.function.DoubleUnaryOperator desired) {
        WeightShape.checkLength(w, shape);
        int[] group = groupOf(shape, axes);
        double[] norms = norms(w, group);
        double[] factor = new double[norms.length];
        for (int g = 0; g < norms.length; g++) factor[g] = desired.applyAsDouble(norms[g]) / (EPSILON + norms[g]);
        return scale(w, group, factor);
    }

    static double clip(double v, double lo, double hi) {
        return Math.min(Math.max(v, lo), hi);
    }
}

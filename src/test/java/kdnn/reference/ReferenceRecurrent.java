package kdnn.reference;

/**
 * Keras' recurrent cells step by step, in double, as Keras' own cells write them: SimpleRNN,
 * LSTM (gates i, f, c, o) and GRU (gates z, r, h; {@code reset_after} either way). Inputs
 * {@code (batch, steps, features)} row-major; kernels {@code (features, gates * units)} and
 * {@code (units, gates * units)}; the state starts at zero.
 */
public final class ReferenceRecurrent {
    private ReferenceRecurrent() {
    }

    /** Which cell, and its activation for SimpleRNN ("tanh", "relu", "sigmoid"). */
    public enum Cell { SIMPLE_RNN, LSTM, GRU, GRU_RESET_BEFORE }

    /**
     * The outputs: every step's state in the order computed ({@code (batch, steps, units)}), or the
     * last one ({@code (batch, units)}). {@code bias} may be null.
     */
    public static float[] run(Cell cell, String activation, float[] x, int batch, int steps, int features, int units,
                              float[] kernel, float[] recurrent, float[] bias, boolean sequences, boolean backwards) {
        return run(cell, activation, "sigmoid", x, batch, steps, features, units, kernel, recurrent, bias, sequences,
                backwards);
    }

    /** The same with the gates' activation named too ("sigmoid", Keras 2's "hard_sigmoid", ...). */
    public static float[] run(Cell cell, String activation, String gate, float[] x, int batch, int steps, int features,
                              int units, float[] kernel, float[] recurrent, float[] bias, boolean sequences,
                              boolean backwards) {
        float[] out = new float[batch * (sequences ? steps : 1) * units];
        for (int n = 0; n < batch; n++) {
            double[] h = new double[units];
            double[] c = new double[units];
            for (int k = 0; k < steps; k++) {
                int t = backwards ? steps - 1 - k : k;
                double[] xt = new double[features];
                for (int f = 0; f < features; f++) xt[f] = x[(n * steps + t) * features + f];
                h = step(cell, activation, gate, xt, h, c, features, units, kernel, recurrent, bias);
                if (sequences) for (int u = 0; u < units; u++) out[(n * steps + k) * units + u] = (float) h[u];
            }
            if (!sequences) for (int u = 0; u < units; u++) out[n * units + u] = (float) h[u];
        }
        return out;
    }

    /**
     * Keras' {@code backend.rnn} with a mask {@code (batch, steps)} (0: masked): every step is
     * computed, then {@code where(mask, new, old)} picks the states, and the output is the new
     * one, the previous output (zeros before the first) or, with {@code zeroOutputForMask}, zeros.
     * The last output is the last step's output.
     */
    public static float[] runMasked(Cell cell, String activation, String gate, float[] x, float[] mask, int batch,
                                    int steps, int features, int units, float[] kernel, float[] recurrent, float[] bias,
                                    boolean sequences, boolean backwards, boolean zeroOutputForMask) {
        return runWithStates(cell, activation, gate, x, mask, batch, steps, features, units, kernel, recurrent, bias,
                sequences, backwards, zeroOutputForMask)[0];
    }

    /**
     * As {@link #runMasked}, with the last states too, as Keras' {@code return_state} gives them:
     * {@code {outputs, h (batch, units), c (batch, units)}} (c zeros for the cells without it).
     */
    public static float[][] runWithStates(Cell cell, String activation, String gate, float[] x, float[] mask, int batch,
                                          int steps, int features, int units, float[] kernel, float[] recurrent,
                                          float[] bias, boolean sequences, boolean backwards, boolean zeroOutputForMask) {
        return runWithStates(cell, activation, gate, x, mask, batch, steps, features, units, kernel, recurrent, bias,
                sequences, backwards, zeroOutputForMask, null, null);
    }

    /**
     * As above from the initial states {@code h0} and {@code cellState0} ({@code (batch, units)}; null:
     * zeros). The output before a sample's first real step is zeros, as TensorFlow's rnn starts
     * its previous output from zeros.
     */
    public static float[][] runWithStates(Cell cell, String activation, String gate, float[] x, float[] mask, int batch,
                                          int steps, int features, int units, float[] kernel, float[] recurrent,
                                          float[] bias, boolean sequences, boolean backwards, boolean zeroOutputForMask,
                                          float[] h0, float[] cellState0) {
        float[] out = new float[batch * (sequences ? steps : 1) * units];
        float[] lastH = new float[batch * units];
        float[] lastC = new float[batch * units];
        for (int n = 0; n < batch; n++) {
            double[] h = new double[units];
            double[] c = new double[units];
            for (int u = 0; u < units; u++) {
                if (h0 != null) h[u] = h0[n * units + u];
                if (cellState0 != null) c[u] = cellState0[n * units + u];
            }
            double[] previous = new double[units];
            double[] output = new double[units];
            for (int k = 0; k < steps; k++) {
                int t = backwards ? steps - 1 - k : k;
                double[] xt = new double[features];
                for (int f = 0; f < features; f++) xt[f] = x[(n * steps + t) * features + f];
                double[] c0 = c.clone();
                double[] h1 = step(cell, activation, gate, xt, h, c, features, units, kernel, recurrent, bias);
                boolean keep = mask[n * steps + t] != 0;
                output = keep ? h1 : zeroOutputForMask ? new double[units] : previous;
                if (keep) h = h1; else c = c0;
                previous = output;
                if (sequences) for (int u = 0; u < units; u++) out[(n * steps + k) * units + u] = (float) output[u];
            }
            if (!sequences) for (int u = 0; u < units; u++) out[n * units + u] = (float) output[u];
            for (int u = 0; u < units; u++) {
                lastH[n * units + u] = (float) h[u];
                lastC[n * units + u] = (float) c[u];
            }
        }
        return new float[][] {out, lastH, lastC};
    }

    /** x . kernel[:, gate] (or h . recurrent) for one gate's units. */
    private static double[] dot(double[] v, float[] w, int rows, int gates, int units, int gate) {
        double[] y = new double[units];
        for (int u = 0; u < units; u++) {
            double s = 0;
            for (int i = 0; i < rows; i++) s += v[i] * w[i * gates * units + gate * units + u];
            y[u] = s;
        }
        return y;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double act(String name, double v) {
        return switch (name) {
            case "relu" -> Math.max(v, 0);
            case "sigmoid" -> sigmoid(v);
            case "hard_sigmoid" -> Math.min(Math.max(0.2 * v + 0.5, 0), 1); // Keras 2's
            case "linear" -> v;
            default -> Math.tanh(v);
        };
    }

    private static double b(float[] bias, int index) {
        return bias == null ? 0 : bias[index];
    }

    /** One step; LSTM's cell state {@code c} is updated in place. Returns the new state h. */
    private static double[] step(Cell cell, String activation, String gate, double[] x, double[] h, double[] c, int features,
                                 int units, float[] kernel, float[] recurrent, float[] bias) {
        double[] next = new double[units];
        switch (cell) {
            case SIMPLE_RNN -> {
                double[] xw = dot(x, kernel, features, 1, units, 0);
                double[] hr = dot(h, recurrent, units, 1, units, 0);
                for (int u = 0; u < units; u++) next[u] = act(activation, xw[u] + b(bias, u) + hr[u]);
            }
            case LSTM -> {
                double[][] z = new double[4][];
                for (int g = 0; g < 4; g++) {
                    double[] xw = dot(x, kernel, features, 4, units, g);
                    double[] hr = dot(h, recurrent, units, 4, units, g);
                    z[g] = new double[units];
                    for (int u = 0; u < units; u++) z[g][u] = xw[u] + hr[u] + b(bias, g * units + u);
                }
                for (int u = 0; u < units; u++) {
                    double i = act(gate, z[0][u]);
                    double f = act(gate, z[1][u]);
                    c[u] = f * c[u] + i * act(activation, z[2][u]);
                    next[u] = act(gate, z[3][u]) * act(activation, c[u]);
                }
            }
            case GRU -> {
                // reset_after: bias (2, 3 * units), the reset gate scaling the recurrent candidate after its bias
                double[][] mx = new double[3][];
                double[][] mi = new double[3][];
                for (int g = 0; g < 3; g++) {
                    mx[g] = dot(x, kernel, features, 3, units, g);
                    mi[g] = dot(h, recurrent, units, 3, units, g);
                    for (int u = 0; u < units; u++) {
                        mx[g][u] += b(bias, g * units + u);
                        mi[g][u] += b(bias, 3 * units + g * units + u);
                    }
                }
                for (int u = 0; u < units; u++) {
                    double z = act(gate, mx[0][u] + mi[0][u]);
                    double r = act(gate, mx[1][u] + mi[1][u]);
                    double hh = act(activation, mx[2][u] + r * mi[2][u]);
                    next[u] = z * h[u] + (1 - z) * hh;
                }
            }
            case GRU_RESET_BEFORE -> {
                double[] xz = dot(x, kernel, features, 3, units, 0);
                double[] xr = dot(x, kernel, features, 3, units, 1);
                double[] xh = dot(x, kernel, features, 3, units, 2);
                double[] hz = dot(h, recurrent, units, 3, units, 0);
                double[] hr = dot(h, recurrent, units, 3, units, 1);
                double[] z = new double[units];
                double[] rh = new double[units];
                for (int u = 0; u < units; u++) {
                    z[u] = act(gate, xz[u] + b(bias, u) + hz[u]);
                    rh[u] = act(gate, xr[u] + b(bias, units + u) + hr[u]) * h[u];
                }
                double[] rhh = dot(rh, recurrent, units, 3, units, 2);
                for (int u = 0; u < units; u++) {
                    double hh = act(activation, xh[u] + b(bias, 2 * units + u) + rhh[u]);
                    next[u] = z[u] * h[u] + (1 - z[u]) * hh;
                }
            }
        }
        return next;
    }
}

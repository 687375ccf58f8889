package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras' recurrent cells step by step in Java, for the activations oneDNN's cells do not compute
 * (Keras 2's LSTM default {@code recurrent_activation="hard_sigmoid"}, a linear SimpleRNN, ...):
 * the same formulas as Keras' cells, sums in double, values rounded to float32 between steps, on
 * one thread. Weights in Keras' layout; the outputs as Keras lists them.
 */
final class RecurrentSteps {
    private RecurrentSteps() {
    }

    /** Which cell: its gates and how they combine. */
    enum Kind { SIMPLE_RNN, LSTM, GRU_RESET_AFTER, GRU_RESET_BEFORE }

    /** Whether these activations can run here: the ones written out in {@link #apply}. */
    static boolean supports(Activation a) {
        return switch (a) {
            case LINEAR, RELU, TANH, SIGMOID, HARD_SIGMOID, HARD_SIGMOID_KERAS3 -> true;
            default -> false;
        };
    }

    /** Keras' activation of one float32 value. */
    static float apply(Activation a, float x) {
        return switch (a) {
            case LINEAR -> x;
            case RELU -> Math.max(x, 0f);
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> (float) (1 / (1 + Math.exp(-(double) x)));
            // tf.keras: clip(0.2 * x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6
            case HARD_SIGMOID -> Math.min(Math.max(0.2f * x + 0.5f, 0f), 1f);
            case HARD_SIGMOID_KERAS3 -> Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
            default -> throw new IllegalStateException("no Java form for " + a);
        };
    }

    /**
     * Runs the layer over {@code input} {@code (batch, steps, features)} into {@code output}:
     * every step's state ({@code sequences}) or the last, from the last step when {@code backwards};
     * a backward sequence in the order computed (Keras' {@code go_backwards}) or, with
     * {@code stepOrder}, each state at its step (what Bidirectional merges). With a {@code mask}
     * {@code (batch, steps)} (null: none), a masked step keeps the state and outputs the state it
     * kept, or zeros under {@code zeroOutput} (Keras' {@code zero_output_for_mask}); the last
     * output is the last step's, as Keras' {@code backend.rnn} gives it.
     */
    static void run(Kind kind, Activation activation, Activation recurrentActivation, long batch, long steps,
                    int features, int units, MemorySegment kernel, MemorySegment recurrent, MemorySegment bias,
                    boolean sequences, boolean backwards, boolean stepOrder, MemorySegment input, MemorySegment output,
                    MemorySegment mask, boolean zeroOutput) {
        int gates = kind == Kind.LSTM ? 4 : kind == Kind.SIMPLE_RNN ? 1 : 3;
        int width = gates * units;
        float[] k = kernel.toArray(ValueLayout.JAVA_FLOAT);
        float[] r = recurrent.toArray(ValueLayout.JAVA_FLOAT);
        float[] b = bias == null ? new float[kind == Kind.GRU_RESET_AFTER ? 2 * width : width]
                : bias.toArray(ValueLayout.JAVA_FLOAT);
        float[] x = new float[features];
        float[] h = new float[units];
        float[] c = new float[units];
        float[] zeros = new float[units];
        float[] xw = new float[width];
        float[] hr = new float[width];
        for (long n = 0; n < batch; n++) {
            java.util.Arrays.fill(h, 0f);
            java.util.Arrays.fill(c, 0f);
            boolean lastMasked = false;
            for (long s = 0; s < steps; s++) {
                long t = backwards ? steps - 1 - s : s;
                lastMasked = mask != null && mask.getAtIndex(ValueLayout.JAVA_FLOAT, n * steps + t) == 0;
                if (!lastMasked) {
                    MemorySegment.copy(input, ValueLayout.JAVA_FLOAT, (n * steps + t) * features * Float.BYTES, x, 0,
                            features);
                    product(x, k, features, width, xw);
                    product(h, r, units, width, hr);
                    step(kind, activation, recurrentActivation, units, xw, hr, r, b, h, c);
                }
                if (sequences) {
                    long at = stepOrder ? t : s;
                    float[] y = lastMasked && zeroOutput ? zeros : h;
                    MemorySegment.copy(y, 0, output, ValueLayout.JAVA_FLOAT, (n * steps + at) * units * Float.BYTES, units);
                }
            }
            if (!sequences) {
                float[] y = lastMasked && zeroOutput ? zeros : h;
                MemorySegment.copy(y, 0, output, ValueLayout.JAVA_FLOAT, n * units * Float.BYTES, units);
            }
        }
    }

    /** {@code v . w} for a row-major {@code (rows, width)} matrix, summed in double. */
    private static void product(float[] v, float[] w, int rows, int width, float[] out) {
        for (int j = 0; j < width; j++) {
            double s = 0;
            for (int i = 0; i < rows; i++) s += (double) v[i] * w[i * width + j];
            out[j] = (float) s;
        }
    }

    /** One step of Keras' cell: {@code h} (and LSTM's {@code c}) updated in place. */
    private static void step(Kind kind, Activation act, Activation gate, int u, float[] xw, float[] hr, float[] r,
                             float[] b, float[] h, float[] c) {
        switch (kind) {
            case SIMPLE_RNN -> {
                for (int j = 0; j < u; j++) h[j] = apply(act, xw[j] + b[j] + hr[j]);
            }
            case LSTM -> {
                for (int j = 0; j < u; j++) {
                    float i = apply(gate, xw[j] + hr[j] + b[j]);
                    float f = apply(gate, xw[u + j] + hr[u + j] + b[u + j]);
                    c[j] = f * c[j] + i * apply(act, xw[2 * u + j] + hr[2 * u + j] + b[2 * u + j]);
                    float o = apply(gate, xw[3 * u + j] + hr[3 * u + j] + b[3 * u + j]);
                    h[j] = o * apply(act, c[j]);
                }
            }
            case GRU_RESET_AFTER -> {
                // the recurrent part has its own bias, and the reset gate scales it after that
                for (int j = 0; j < u; j++) {
                    float z = apply(gate, xw[j] + b[j] + hr[j] + b[3 * u + j]);
                    float rr = apply(gate, xw[u + j] + b[u + j] + hr[u + j] + b[4 * u + j]);
                    float hh = apply(act, xw[2 * u + j] + b[2 * u + j] + rr * (hr[2 * u + j] + b[5 * u + j]));
                    h[j] = z * h[j] + (1 - z) * hh;
                }
            }
            case GRU_RESET_BEFORE -> {
                // the reset gate scales the state before its product with the candidate's recurrent kernel
                float[] z = new float[u];
                float[] rh = new float[u];
                for (int j = 0; j < u; j++) {
                    z[j] = apply(gate, xw[j] + b[j] + hr[j]);
                    rh[j] = apply(gate, xw[u + j] + b[u + j] + hr[u + j]) * h[j];
                }
                int width = 3 * u;
                for (int j = 0; j < u; j++) {
                    double s = 0;
                    for (int i = 0; i < u; i++) s += (double) rh[i] * r[i * width + 2 * u + j];
                    float hh = apply(act, xw[2 * u + j] + b[2 * u + j] + (float) s);
                    h[j] = z[j] * h[j] + (1 - z[j]) * hh;
                }
            }
        }
    }
}

package kdnn.layers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras' recurrent cells step by step in Java, for the activations oneDNN's cells do not compute
 * (Keras 2's LSTM default {@code recurrent_activation="hard_sigmoid"}, a linear SimpleRNN, ...):
 * the same formulas as Keras' cells, step by step over the whole batch: the products with the
 * kernels on oneDNN (every step's input product at once, the state's per step), the gates here. Weights in Keras' layout; the outputs as Keras lists them.
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

    /** oneDNN's products the steps use: x W (+ the input bias) of every step at once, and h U (+ the recurrent bias, if any). */
    interface Products {
        /** {@code x W + b} for every row {@code (batch * steps, features)} of {@code x}. */
        void inputs(MemorySegment x, MemorySegment xw);

        /** {@code h U} (+ GRU reset-after's recurrent bias) for every row {@code (batch, units)} of {@code h}. */
        void recurrent(MemorySegment h, MemorySegment hr);
    }

    /** The gates per unit of a cell's kernels. */
    static int gates(Kind kind) {
        return kind == Kind.LSTM ? 4 : kind == Kind.SIMPLE_RNN ? 1 : 3;
    }

    /**
     * Runs the layer over {@code input} {@code (batch, steps, features)} into {@code output}:
     * every step's state ({@code sequences}) or the last, from the last step when {@code backwards};
     * a backward sequence in the order computed (Keras' {@code go_backwards}) or, with
     * {@code stepOrder}, each state at its step (what Bidirectional merges). With a {@code mask}
     * {@code (batch, steps)} (null: none), a masked step keeps the state and outputs the state it
     * kept, or zeros under {@code zeroOutput} (Keras' {@code zero_output_for_mask}); the last
     * output is the last step's, as Keras' {@code backend.rnn} gives it. The products run on
     * oneDNN over the whole batch, the gates here. {@code initialStates} (null: zeros) gives the
     * first states and {@code finalStates} (null: not wanted) takes the last, each {@code (batch,
     * units)} of h, then of LSTM's c. As in TensorFlow's {@code backend.rnn}, a masked step before
     * any real one outputs zeros, whatever the initial state.
     */
    static void run(Kind kind, Activation activation, Activation recurrentActivation, long batch, long steps,
                    int features, int units, Products products, boolean sequences, boolean backwards,
                    boolean stepOrder, MemorySegment input, MemorySegment output, MemorySegment mask,
                    boolean zeroOutput, float[] initialStates, float[] finalStates) {
        int b = Math.toIntExact(batch);
        int width = gates(kind) * units;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xw = arena.allocate(batch * steps * width * Float.BYTES, 64);
            products.inputs(input, xw);
            MemorySegment state = arena.allocate((long) b * units * Float.BYTES, 64);
            MemorySegment product = arena.allocate((long) b * width * Float.BYTES, 64);
            float[] h = new float[b * units];
            float[] c = new float[b * units];
            if (initialStates != null) {
                System.arraycopy(initialStates, 0, h, 0, h.length);
                if (kind == Kind.LSTM) System.arraycopy(initialStates, h.length, c, 0, c.length);
            }
            boolean[] started = new boolean[b]; // a real step done: masked outputs are the state from then on
            float[] hr = new float[b * width];
            float[] candidate = kind == Kind.GRU_RESET_BEFORE ? new float[b * width] : null;
            float[] x = new float[width];
            float[] zeros = new float[units];
            boolean[] lastMasked = new boolean[b];
            for (long s = 0; s < steps; s++) {
                long t = backwards ? steps - 1 - s : s;
                MemorySegment.copy(h, 0, state, f, 0, h.length);
                products.recurrent(state, product);
                MemorySegment.copy(product, f, 0, hr, 0, hr.length);
                if (candidate != null) {
                    // the reset gate scales the state before its product with the candidate's kernel
                    float[] rh = new float[b * units];
                    for (int n = 0; n < b; n++) {
                        MemorySegment.copy(xw, f, ((n * steps + t) * width) * Float.BYTES, x, 0, width);
                        for (int j = 0; j < units; j++) {
                            rh[n * units + j] = apply(recurrentActivation, x[units + j] + hr[n * width + units + j])
                                    * h[n * units + j];
                        }
                    }
                    MemorySegment.copy(rh, 0, state, f, 0, rh.length);
                    products.recurrent(state, product);
                    MemorySegment.copy(product, f, 0, candidate, 0, candidate.length);
                }
                for (int n = 0; n < b; n++) {
                    lastMasked[n] = mask != null && mask.getAtIndex(f, n * steps + t) == 0;
                    started[n] |= !lastMasked[n];
                    if (!lastMasked[n]) {
                        MemorySegment.copy(xw, f, ((n * steps + t) * width) * Float.BYTES, x, 0, width);
                        step(kind, activation, recurrentActivation, units, x, hr, candidate, n * width, h, c, n * units);
                    }
                    if (sequences) {
                        long at = (n * steps + (stepOrder ? t : s)) * units;
                        boolean zero = lastMasked[n] && (zeroOutput || !started[n]);
                        MemorySegment.copy(zero ? zeros : h, zero ? 0 : n * units, output, f, at * Float.BYTES, units);
                    }
                }
            }
            if (!sequences) {
                for (int n = 0; n < b; n++) {
                    boolean zero = lastMasked[n] && (zeroOutput || !started[n]);
                    MemorySegment.copy(zero ? zeros : h, zero ? 0 : n * units, output, f, (long) n * units * Float.BYTES,
                            units);
                }
            }
            if (finalStates != null) {
                System.arraycopy(h, 0, finalStates, 0, h.length);
                if (kind == Kind.LSTM) System.arraycopy(c, 0, finalStates, h.length, c.length);
            }
        }
    }

    /**
     * One step of Keras' cell for one sample: {@code x} its {@code x W + b}, {@code hr} from
     * {@code at} its {@code h U} (+ recurrent bias), {@code candidate} (GRU reset-before) its
     * {@code (r h) U}; {@code h} (and LSTM's {@code c}) from {@code state} updated in place.
     */
    private static void step(Kind kind, Activation act, Activation gate, int u, float[] x, float[] hr,
                             float[] candidate, int at, float[] h, float[] c, int state) {
        switch (kind) {
            case SIMPLE_RNN -> {
                for (int j = 0; j < u; j++) h[state + j] = apply(act, x[j] + hr[at + j]);
            }
            case LSTM -> {
                for (int j = 0; j < u; j++) {
                    float i = apply(gate, x[j] + hr[at + j]);
                    float fg = apply(gate, x[u + j] + hr[at + u + j]);
                    c[state + j] = fg * c[state + j] + i * apply(act, x[2 * u + j] + hr[at + 2 * u + j]);
                    float o = apply(gate, x[3 * u + j] + hr[at + 3 * u + j]);
                    h[state + j] = o * apply(act, c[state + j]);
                }
            }
            case GRU_RESET_AFTER -> {
                // the recurrent part has its own bias (in hr), and the reset gate scales it after that
                for (int j = 0; j < u; j++) {
                    float z = apply(gate, x[j] + hr[at + j]);
                    float r = apply(gate, x[u + j] + hr[at + u + j]);
                    float hh = apply(act, x[2 * u + j] + r * hr[at + 2 * u + j]);
                    h[state + j] = z * h[state + j] + (1 - z) * hh;
                }
            }
            case GRU_RESET_BEFORE -> {
                for (int j = 0; j < u; j++) {
                    float z = apply(gate, x[j] + hr[at + j]);
                    float hh = apply(act, x[2 * u + j] + candidate[at + 2 * u + j]);
                    h[state + j] = z * h[state + j] + (1 - z) * hh;
                }
            }
        }
    }
}

package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * One recurrent layer over a batch of sequences as one oneDNN RNN primitive: the input
 * {@code (batch, steps, inputs)} row-major, as Keras holds it (oneDNN's {@code ntc}), the initial
 * state zero, the weights in Keras' own layout ({@code (inputs, gates * units)} is oneDNN's
 * {@code ldigo} with one layer and one direction). The output is every step's state
 * {@code (batch, steps, units)} or the last one {@code (batch, units)}.
 */
public final class Recurrences {
    private Recurrences() {
    }

    /** The cells oneDNN computes, each with its gates in Keras' order. */
    public enum Cell {
        /** {@code act(x W + h U + b)}: Keras' SimpleRNN with tanh, relu or sigmoid. */
        RNN(1, 1),
        /** Keras' LSTM: gates i, f, c, o; tanh and sigmoid. */
        LSTM(4, 4),
        /** Keras' GRU with {@code reset_after=False}: gates z, r, h; the reset applied to the state. */
        GRU(3, 3),
        /** Keras' GRU with {@code reset_after=True} (oneDNN's linear-before-reset GRU): the bias holds the candidate's recurrent part too. */
        LBR_GRU(3, 4);

        final int gates;
        final int biases;

        Cell(int gates, int biases) {
            this.gates = gates;
            this.biases = biases;
        }

        /** The gates per unit of the weights. */
        public int gates() {
            return gates;
        }

        /** The biases per unit oneDNN takes. */
        public int biases() {
            return biases;
        }
    }

    /** One direction's weights: kernel, recurrent kernel and bias (null: zeros), all in Keras' layout. */
    public record Weights(MemorySegment layer, MemorySegment iter, MemorySegment bias) {
    }

    /**
     * The pipeline of one recurrent layer. {@code activation} is the RNN cell's (an eltwise
     * algorithm; ignored for the others). With {@code backwards} the steps run from the last to the
     * first, and the sequence output lists the states in that order, as Keras' {@code go_backwards}
     * gives them. The weights outlive the pipeline.
     */
    public static Pipeline forward(Cell cell, int activation, long batch, long steps, long inputs, long units,
                                   boolean sequences, boolean backwards, Weights weights) {
        return direction(cell, activation, batch, steps, inputs, units, sequences, backwards, backwards, weights);
    }

    /**
     * As {@link #forward}, a backward sequence listed in the order computed ({@code computedOrder},
     * Keras' {@code go_backwards}) or each state at its step (what Bidirectional merges).
     */
    public static Pipeline direction(Cell cell, int activation, long batch, long steps, long inputs, long units,
                                     boolean sequences, boolean backwards, boolean computedOrder, Weights weights) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            appendLayer(b, cell, activation, batch, steps, inputs, units, sequences, backwards, computedOrder, weights,
                    Pipeline.OUTPUT);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** How Keras' Bidirectional joins its two outputs. */
    public enum Merge { CONCAT, SUM, MUL, AVE }

    /**
     * Keras' Bidirectional over one cell: the forward layer from the first step, the backward one
     * from the last, each step's backward state kept at its step (Keras reverses the backward
     * sequence back), the two joined by {@code merge} along the units.
     */
    public static Pipeline bidirectional(Cell cell, int activation, long batch, long steps, long inputs, long units,
                                         boolean sequences, Weights forward, Weights backward, Merge merge) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            long rows = batch * (sequences ? steps : 1);
            int ahead = b.buffer(rows * units * Float.BYTES);
            int behind = b.buffer(rows * units * Float.BYTES);
            appendLayer(b, cell, activation, batch, steps, inputs, units, sequences, false, false, forward, ahead);
            appendLayer(b, cell, activation, batch, steps, inputs, units, sequences, true, false, backward, behind);
            if (merge == Merge.CONCAT) {
                // each row: the forward units, then the backward ones
                long bytes = units * Float.BYTES;
                b.javaStep(ahead, Pipeline.OUTPUT, (from, to) -> {
                    for (long r = 0; r < rows; r++) MemorySegment.copy(from, r * bytes, to, 2 * r * bytes, bytes);
                });
                b.javaStep(behind, Pipeline.OUTPUT, (from, to) -> {
                    for (long r = 0; r < rows; r++) MemorySegment.copy(from, r * bytes, to, (2 * r + 1) * bytes, bytes);
                });
            } else {
                MemoryDesc md = b.own(MemoryDesc.rowMajor(rows, units));
                int algorithm = merge == Merge.MUL ? dnnl_binary_mul() : dnnl_binary_add();
                b.step(Merges.binary(algorithm, md, md, md), Pipeline.Arg.slot(DNNL_ARG_SRC(), md, ahead),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), md, behind), Pipeline.Arg.slot(DNNL_ARG_DST(), md, Pipeline.OUTPUT));
                if (merge == Merge.AVE) {
                    // (y + y_rev) / 2: halving is exact
                    b.step(Eltwises.eltwise(md, new Attributes.Eltwise(dnnl_eltwise_linear(), 0.5f, 0f)),
                            Pipeline.Arg.slot(DNNL_ARG_SRC(), md, Pipeline.OUTPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), md,
                                    Pipeline.OUTPUT));
                }
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Where a layer's first states come from and its last states go: pipeline slots, -1 for none
     * (zeros to start from; the last states unread).
     */
    private record States(int firstH, int firstC, int lastH, int lastC) {
        static final States NONE = new States(-1, -1, -1, -1);
    }

    private static void appendLayer(Pipeline.Builder b, Cell cell, int activation, long batch, long steps, long inputs,
                                    long units, boolean sequences, boolean backwards, boolean computedOrder,
                                    Weights weights, int out) {
        appendLayer(b, cell, activation, batch, steps, inputs, units, sequences, backwards, computedOrder, weights, out,
                States.NONE);
    }

    /**
     * One recurrent layer that starts from given states and gives its last ones (Keras'
     * {@code initial_state} and {@code return_state}): inputs 0 the sequence, 1 and (LSTM) 2 the
     * first h and c {@code (batch, units)} when {@code initial}; the output packed per sample: the
     * layer's output (every step's state in the order computed, or the last), then h, then LSTM's c.
     */
    public static Pipeline withStates(Cell cell, int activation, long batch, long steps, long inputs, long units,
                                      boolean sequences, boolean backwards, boolean initial, Weights weights) {
        return withStates(cell, activation, batch, steps, inputs, units, sequences, backwards, backwards, initial, weights);
    }

    /** As above, a backward sequence in the order computed ({@code computedOrder}) or each state at its step. */
    public static Pipeline withStates(Cell cell, int activation, long batch, long steps, long inputs, long units,
                                      boolean sequences, boolean backwards, boolean computedOrder, boolean initial,
                                      Weights weights) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            long stateBytes = units * Float.BYTES;
            long outBytes = (sequences ? steps : 1) * stateBytes;
            boolean lstm = cell == Cell.LSTM;
            int h = b.buffer(batch * stateBytes);
            int c = lstm ? b.buffer(batch * stateBytes) : -1;
            // the last output is the last h: without sequences it is taken from there
            int y = sequences ? b.buffer(batch * outBytes) : h;
            States states = new States(initial ? b.input(1) : -1, initial && lstm ? b.input(2) : -1, h, c);
            appendLayer(b, cell, activation, batch, steps, inputs, units, sequences, backwards, computedOrder, weights, y,
                    states);
            long perSample = outBytes + (lstm ? 2 : 1) * stateBytes;
            // each sample's output, h and c one after another
            b.javaStep(y, Pipeline.OUTPUT, (from, to) -> {
                for (long n = 0; n < batch; n++) MemorySegment.copy(from, n * outBytes, to, n * perSample, outBytes);
            });
            b.javaStep(h, Pipeline.OUTPUT, (from, to) -> {
                for (long n = 0; n < batch; n++) {
                    MemorySegment.copy(from, n * stateBytes, to, n * perSample + outBytes, stateBytes);
                }
            });
            if (lstm) {
                b.javaStep(c, Pipeline.OUTPUT, (from, to) -> {
                    for (long n = 0; n < batch; n++) {
                        MemorySegment.copy(from, n * stateBytes, to, n * perSample + outBytes + stateBytes, stateBytes);
                    }
                });
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * The steps of one direction from the input into slot {@code out}: every step's state, or the
     * last one; a backward sequence in the order computed ({@code computedOrder}) or kept at its
     * steps; first and last states as {@code states} says.
     */
    private static void appendLayer(Pipeline.Builder b, Cell cell, int activation, long batch, long steps, long inputs,
                                    long units, boolean sequences, boolean backwards, boolean computedOrder,
                                    Weights weights, int out, States given) {
        int g = cell.gates;
        // dims in oneDNN's order (steps first); memory in Keras' (batch first)
        MemoryDesc src = b.own(MemoryDesc.withStrides(new long[] {steps, batch, inputs},
                new long[] {inputs, steps * inputs, 1}, dnnl_f32()));
        MemoryDesc dst = b.own(MemoryDesc.withStrides(new long[] {steps, batch, units},
                new long[] {units, steps * units, 1}, dnnl_f32()));
        MemoryDesc stateMd = b.own(MemoryDesc.rowMajor(1, 1, batch, units));
        MemoryDesc last = sequences && given.lastH() < 0 ? null : stateMd;
        MemoryDesc firstH = given.firstH() >= 0 ? stateMd : null;
        MemoryDesc firstC = given.firstC() >= 0 ? stateMd : null;
        // the weights in the layout oneDNN picks (its packed GEMM form), reordered from Keras' once
        MemoryDesc wl = b.own(MemoryDesc.any(new long[] {1, 1, inputs, g, units}, dnnl_f32()));
        MemoryDesc wi = b.own(MemoryDesc.any(new long[] {1, 1, units, g, units}, dnnl_f32()));
        // oneDNN's CPU cells take no missing bias: zeros stand for Keras' use_bias=False
        MemorySegment biasValues = weights.bias() != null ? weights.bias()
                : b.constant((long) cell.biases * units * Float.BYTES);
        MemoryDesc bd = b.own(MemoryDesc.rowMajor(1, 1, cell.biases, units));
        int direction = backwards ? dnnl_unidirectional_right2left() : dnnl_unidirectional_left2right();
        // an LSTM gives its last cell state with its last output: a buffer nobody reads
        MemoryDesc lastCell = last != null && cell == Cell.LSTM ? last : null;
        Primitive rnn = create(cell, activation, direction, src, firstH, firstC, wl, wi, bd, dst, last, lastCell);
        MemoryDesc packedLayer = rnn.query(dnnl_query_weights_md(), 0);
        MemoryDesc packedIter = rnn.query(dnnl_query_weights_md(), 1);
        MemorySegment layerWeights = packed(b, MemoryDesc.rowMajor(1, 1, inputs, g, units), packedLayer, weights.layer());
        MemorySegment iterWeights = packed(b, MemoryDesc.rowMajor(1, 1, units, g, units), packedIter, weights.iter());
        // the states of every step: the output itself, or a buffer when only the last one (or the computed order) is wanted
        boolean reorder = sequences && backwards && computedOrder;
        int states = sequences && !reorder ? out : b.buffer(steps * batch * units * Float.BYTES);
        java.util.List<Pipeline.Arg> args = new java.util.ArrayList<>(java.util.List.of(
                Pipeline.Arg.slot(DNNL_ARG_SRC_LAYER(), src, Pipeline.INPUT),
                Pipeline.Arg.constant(DNNL_ARG_WEIGHTS_LAYER(), packedLayer, layerWeights),
                Pipeline.Arg.constant(DNNL_ARG_WEIGHTS_ITER(), packedIter, iterWeights),
                Pipeline.Arg.constant(DNNL_ARG_BIAS(), bd, biasValues),
                Pipeline.Arg.slot(DNNL_ARG_DST_LAYER(), dst, states)));
        if (firstH != null) args.add(Pipeline.Arg.slot(DNNL_ARG_SRC_ITER(), firstH, given.firstH()));
        if (firstC != null) args.add(Pipeline.Arg.slot(DNNL_ARG_SRC_ITER_C(), firstC, given.firstC()));
        if (last != null) args.add(Pipeline.Arg.slot(DNNL_ARG_DST_ITER(), last, given.lastH() >= 0 ? given.lastH() : out));
        if (lastCell != null) {
            args.add(Pipeline.Arg.slot(DNNL_ARG_DST_ITER_C(), lastCell, given.lastC() >= 0 ? given.lastC()
                    : b.buffer(batch * units * Float.BYTES)));
        }
        b.step(rnn, args.toArray(Pipeline.Arg[]::new));
        if (reorder) {
            // oneDNN keeps step t's state at t; Keras' go_backwards lists them in the order they were computed
            long rowBytes = units * Float.BYTES;
            b.javaStep(states, out, (from, to) -> {
                for (long n = 0; n < batch; n++) {
                    for (long t = 0; t < steps; t++) {
                        MemorySegment.copy(from, (n * steps + steps - 1 - t) * rowBytes, to, (n * steps + t) * rowBytes,
                                rowBytes);
                    }
                }
            });
        }
    }

    /** The weights in the primitive's layout: Keras' own when it is that, else a copy reordered at prepare time. */
    private static MemorySegment packed(Pipeline.Builder b, MemoryDesc keras, MemoryDesc packed, MemorySegment values) {
        b.own(keras);
        if (keras.sameLayout(packed)) return values;
        MemorySegment copy = b.constant(packed.byteSize());
        b.prepareStep(Convolutions.reorder(keras, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), keras, values),
                Pipeline.Arg.constant(DNNL_ARG_TO(), packed, copy));
        return copy;
    }

    private static Primitive create(Cell cell, int activation, int direction, MemoryDesc src, MemoryDesc firstH,
                                    MemoryDesc firstC, MemoryDesc wl, MemoryDesc wi, MemoryDesc bias, MemoryDesc dst,
                                    MemoryDesc last, MemoryDesc lastCell) {
        MemorySegment none = MemorySegment.NULL;
        MemorySegment h0 = firstH == null ? none : firstH.handle();
        MemorySegment c0 = firstC == null ? none : firstC.handle();
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            // the C floor has no RNN line: "?" keeps a plan with one unreplayable rather than wrong
            Replay replay = Replay.of("rnn").word(cell.name().toLowerCase(java.util.Locale.ROOT)).word("?");
            MemorySegment b = bias == null ? none : bias.handle();
            MemorySegment l = last == null ? none : last.handle();
            MemorySegment lc = lastCell == null ? none : lastCell.handle();
            return switch (cell) {
                case RNN -> Primitive.create("dnnl_vanilla_rnn_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_vanilla_rnn_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                                activation, direction, src.handle(), h0, wl.handle(), wi.handle(), b, dst.handle(), l,
                                dnnl_rnn_flags_undef(), 0f, 0f, attr.handle()));
                case LSTM -> Primitive.create("dnnl_lstm_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_lstm_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(), direction,
                                src.handle(), h0, c0, wl.handle(), wi.handle(), none, none, b, dst.handle(), l, lc,
                                dnnl_rnn_flags_undef(), attr.handle()));
                case GRU -> Primitive.create("dnnl_gru_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_gru_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(), direction,
                                src.handle(), h0, wl.handle(), wi.handle(), b, dst.handle(), l, dnnl_rnn_flags_undef(),
                                attr.handle()));
                case LBR_GRU -> Primitive.create("dnnl_lbr_gru_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_lbr_gru_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(), direction,
                                src.handle(), h0, wl.handle(), wi.handle(), b, dst.handle(), l, dnnl_rnn_flags_undef(),
                                attr.handle()));
            };
        }
    }
}

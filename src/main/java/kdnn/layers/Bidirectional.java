package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Recurrences;

/**
 * Keras' {@code Bidirectional}: its recurrent layer run forward over the steps, a copy of it
 * ({@code go_backwards} flipped, or the {@code backward_layer} given) run from the last step, and
 * the two outputs joined by {@code merge_mode}: {@code concat} (the default), {@code sum},
 * {@code mul} or {@code ave}. A backward sequence is put back in step order first, as Keras does.
 * Both layers' weights are the wrapper's, the forward layer's first; both belong to the wrapper
 * and close with it. {@code merge_mode=None} gives the two directions as two outputs;
 * {@code return_state} adds the forward layer's last states, then the backward one's;
 * {@code initial_state} takes the first states in that order.
 *
 * <p>A {@code layer} with {@code go_backwards=True} runs from the last step and its copy from the
 * first; Keras leaves the first's sequence in the order it ran and reverses the second's, so the
 * output is the usual one of the steps taken in reverse order. kdnn runs it so: the steps (and
 * their mask) reversed, then both layers as for a forward {@code layer}.
 */
public final class Bidirectional extends Layer {
    /** Keras' class name, {@code "Bidirectional"}. */
    public static final String CLASS_NAME = "Bidirectional";

    private final BaseRecurrent forward;
    private final BaseRecurrent backward;
    private final Recurrences.Merge merge;
    private final boolean backwardGiven;
    private final boolean reversed; // the layer's go_backwards: the steps reversed first

    private Bidirectional(String name, long[] batchInputShape, boolean trainable, BaseRecurrent forward,
                          BaseRecurrent backward, Recurrences.Merge merge, boolean backwardGiven, boolean reversed) {
        super(name, batchInputShape, trainable);
        this.forward = forward;
        this.backward = backward;
        this.merge = merge;
        this.backwardGiven = backwardGiven;
        this.reversed = reversed;
    }

    /**
     * Keras' {@code from_config}: {@code layer} a SimpleRNN, LSTM or GRU; {@code backward_layer}
     * (if given) of the same class, units and outputs, running the other way.
     */
    public static Bidirectional fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode layer = r.node("layer");
        JsonNode backwardLayer = r.node("backward_layer");
        JsonNode mode = r.node("merge_mode");
        r.node("weights"); // Keras 3: initial weights given to the constructor, null in saved configs
        JsonNode constants = r.node("num_constants");
        r.finish();
        if (layer.isNull()) throw new IllegalArgumentException("Bidirectional needs the argument `layer`");
        if (!layer.isObject()) throw ConfigReader.bad("layer", layer, "a recurrent layer's config {\"class_name\", \"config\"}");
        // merge_mode=None (null in the config): the two directions as two outputs
        String m = mode.isNull() ? config.has("merge_mode") ? "none" : "concat" : mode.asText("");
        Recurrences.Merge merge = switch (m) {
            case "none" -> null;
            case "concat" -> Recurrences.Merge.CONCAT;
            case "sum" -> Recurrences.Merge.SUM;
            case "mul" -> Recurrences.Merge.MUL;
            case "ave" -> Recurrences.Merge.AVE;
            default -> throw new IllegalArgumentException("Invalid merge mode. Received: " + mode
                    + ". Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}");
        };
        if (!constants.isNull() && constants.asInt(-1) != 0) {
            throw ConfigReader.bad("num_constants", constants, "0: kdnn's recurrent layers take no constants");
        }
        BaseRecurrent fwd = null;
        BaseRecurrent bwd = null;
        try {
            // Keras runs a copy of the layer named forward_<name> (Keras 3 saves that copy, so the prefix may be there)
            ObjectNode given = layer.deepCopy();
            String original = given.path("config").path("name").asText(null);
            if (given.path("config") instanceof ObjectNode lc && original != null) {
                lc.put("name", "forward_" + removePrefix(original, "forward_"));
            }
            fwd = recurrent(given, "layer");
            boolean reversed = fwd.goBackwards();
            if (reversed) { // run as the layer forward over the reversed steps
                fwd.close();
                fwd = null;
                ((ObjectNode) given.get("config")).put("go_backwards", false);
                fwd = recurrent(given, "layer");
            }
            // without a backward_layer, Keras' copy of the layer running the other way, named backward_<name>
            ObjectNode flipped = ((ObjectNode) Layers.toConfig(fwd)).deepCopy();
            ObjectNode fc = (ObjectNode) flipped.get("config");
            fc.put("go_backwards", !fwd.goBackwards());
            fc.put("name", "backward_" + removePrefix(original != null ? original : fwd.name(), "backward_"));
            JsonNode backwardConfig = backwardLayer.isNull() ? flipped : backwardLayer;
            if (reversed && !backwardLayer.isNull()) {
                boolean backwards = backwardLayer.path("config").path("go_backwards").asBoolean(false);
                if (backwards) {
                    throw new IllegalArgumentException("Forward layer and backward layer should have different"
                            + " `go_backwards` value. Received: forward_layer.go_backwards=true,"
                            + " backward_layer.go_backwards=true");
                }
                ObjectNode b = backwardLayer.deepCopy();
                if (b.get("config") instanceof ObjectNode bc) bc.put("go_backwards", true);
                backwardConfig = b;
            }
            bwd = recurrent(backwardConfig, "backward_layer");
            if (!bwd.className().equals(fwd.className()) || bwd.units != fwd.units) {
                throw new IllegalArgumentException("Bidirectional `backward_layer` must be a " + fwd.className()
                        + " of " + fwd.units + " units as `layer` in kdnn. Received: " + Layers.toConfig(bwd));
            }
            if (bwd.args.returnSequences != fwd.args.returnSequences) {
                throw new IllegalArgumentException("Forward layer and backward layer are expected to have the same value"
                        + " for attribute \"return_sequences\", got \"" + fwd.args.returnSequences + "\" for forward layer"
                        + " and \"" + bwd.args.returnSequences + "\" for backward layer");
            }
            if (bwd.args.returnState != fwd.args.returnState) {
                throw new IllegalArgumentException("Forward layer and backward layer are expected to have the same value"
                        + " for attribute \"return_state\", got \"" + fwd.args.returnState + "\" for forward layer"
                        + " and \"" + bwd.args.returnState + "\" for backward layer");
            }
            if (bwd.goBackwards() == fwd.goBackwards()) {
                throw new IllegalArgumentException("Forward layer and backward layer should have different `go_backwards`"
                        + " value. Received: forward_layer.go_backwards=" + fwd.goBackwards()
                        + ", backward_layer.go_backwards=" + bwd.goBackwards());
            }
            if (name == null) name = LayerNames.next("bidirectional");
            return Layer.builtFor(new Bidirectional(name, batchInputShape, trainable, fwd, bwd, merge,
                    !backwardLayer.isNull(), reversed), batchInputShape);
        } catch (RuntimeException | Error e) {
            if (fwd != null) fwd.close();
            if (bwd != null) bwd.close();
            throw e;
        }
    }

    private static String removePrefix(String s, String prefix) {
        return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    private static BaseRecurrent recurrent(JsonNode config, String key) {
        Layer l = Layers.fromConfig(config, Layers.readingVersion());
        if (l instanceof BaseRecurrent rnn) return rnn;
        l.close();
        throw new IllegalArgumentException("Bidirectional `" + key + "` must be a recurrent layer (SimpleRNN, LSTM or GRU)"
                + " in kdnn. Received: " + config.path("class_name").asText(config.toString()));
    }

    /**
     * The layer running forward (Keras' {@code forward_layer}); owned by the wrapper. Under a
     * {@code layer} with {@code go_backwards=True}, the one running forward over the reversed steps.
     */
    public Layer forwardLayer() {
        ensureOpen();
        return forward;
    }

    /**
     * The layer running backward (Keras' {@code backward_layer}); owned by the wrapper. Under a
     * {@code layer} with {@code go_backwards=True}, the one running backward over the reversed steps.
     */
    public Layer backwardLayer() {
        ensureOpen();
        return backward;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return severalOutputs() ? BaseRecurrent.packed(computeOutputShapes(List.of(shape))) : kerasOutputShape(shape);
    }

    private long[] kerasOutputShape(long[] shape) {
        long[] out = forward.kerasOutputShape(shape);
        backward.kerasOutputShape(shape);
        if (merge == Recurrences.Merge.CONCAT) out[out.length - 1] *= 2;
        return out;
    }

    /** True when the layer returns several tensors: {@code merge_mode=None} or {@code return_state}. */
    private boolean severalOutputs() {
        return merge == null || forward.args.returnState;
    }

    /**
     * Keras' outputs: the merged output (under {@code merge_mode=None} the forward one, then the
     * backward one in step order), then with {@code return_state} the forward layer's last states
     * and the backward layer's (h, and LSTM's c, each {@code (batch, units)}).
     */
    @Override
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        BaseRecurrent.checkInitialStates(this, inputShapes, 2 * forward.states(), forward.units);
        long[] in = inputShapes.get(0);
        long[] out = kerasOutputShape(in);
        if (!severalOutputs()) return List.of(out);
        List<long[]> all = new java.util.ArrayList<>(List.of(out));
        if (merge == null) all.add(out.clone());
        int states = forward.args.returnState ? 2 * forward.states() : 0;
        for (int i = 0; i < states; i++) all.add(new long[] {in[0], forward.units});
        return all;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        forward.build(inputShape);
        backward.build(inputShape);
        variables.addAll(forward.variables); // Keras' get_weights: the forward layer's, then the backward one's
        variables.addAll(backward.variables);
    }

    @Override
    void weightsChanged() {
        for (BaseRecurrent l : List.of(forward, backward)) {
            l.weightsChanged();
            l.bumpWeightsVersion();
            l.pipelines.prepareAll(); // the masked and Java runs use the layers' own pipelines
        }
    }

    @Override
    long work(long[] inputShape) {
        return forward.work(inputShape) + backward.work(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (severalOutputs() || reversed) {
            return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> runBoth(inputShape, in, null,
                    out, null)).build();
        }
        if (!forward.onDnnl() || !backward.onDnnl()) return javaSteps(inputShape);
        return Recurrences.bidirectional(forward.cell(), forward.activationAlgorithm(), inputShape[0], inputShape[1],
                inputShape[2], forward.units, forward.args.returnSequences, forward.dnnlWeights(), backward.dnnlWeights(),
                merge);
    }

    /** Both directions as Keras' formulas in Java (activations oneDNN's cells lack), then the merge. */
    private Pipeline javaSteps(long[] inputShape) {
        long rows = inputShape[0] * (forward.args.returnSequences ? inputShape[1] : 1);
        long units = forward.units;
        Pipeline.Builder b = Pipeline.builder();
        int ahead = b.buffer(rows * units * Float.BYTES);
        int behind = b.buffer(rows * units * Float.BYTES);
        b.javaStep(Pipeline.INPUT, ahead, forward.steps(inputShape, false, true));
        b.javaStep(Pipeline.INPUT, behind, backward.steps(inputShape, true, true));
        b.javaStep(ahead, Pipeline.OUTPUT, (from, to) -> placeForward(from, to, rows, units));
        b.javaStep(behind, Pipeline.OUTPUT, (from, to) -> mergeBackward(from, to, rows, units));
        return b.build();
    }

    /** The forward direction's rows into the output: its half of each row (concat), else all of it. */
    private void placeForward(MemorySegment from, MemorySegment to, long rows, long units) {
        long bytes = units * Float.BYTES;
        if (merge != Recurrences.Merge.CONCAT) {
            MemorySegment.copy(from, 0, to, 0, rows * bytes);
            return;
        }
        for (long r = 0; r < rows; r++) MemorySegment.copy(from, r * bytes, to, 2 * r * bytes, bytes);
    }

    /** The backward direction's rows (in step order) merged into the output the forward ones are in. */
    private void mergeBackward(MemorySegment from, MemorySegment to, long rows, long units) {
        long bytes = units * Float.BYTES;
        if (merge == Recurrences.Merge.CONCAT) {
            for (long r = 0; r < rows; r++) MemorySegment.copy(from, r * bytes, to, (2 * r + 1) * bytes, bytes);
            return;
        }
        for (long i = 0; i < rows * units; i++) {
            float y = to.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float yRev = from.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float v = switch (merge) {
                case SUM -> y + yRev;
                case MUL -> y * yRev;
                default -> (y + yRev) / 2;
            };
            to.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
    }

    /** Keras' {@code compute_mask}: the sequences carry the input's mask on, the last outputs none. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return forward.args.returnSequences ? kdnn.internal.MaskUse.READS_AND_PASSES : kdnn.internal.MaskUse.READS;
    }

    /** Under {@code merge_mode=None} both sequences carry the mask (Keras' {@code (mask, mask)}). */
    @Override
    int outputsCarryingMask() {
        return merge == null ? 2 : 1;
    }

    /** Built for the sequence: initial states come after it. */
    @Override
    long[] buildShape(List<long[]> inputShapes) {
        return inputShapes.get(0);
    }

    /** The sequence, or the sequence and its initial states (the forward layer's, then the backward one's). */
    @Override
    public long[] computeOutputShape(List<long[]> inputShapes) {
        List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    @Override
    double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant, double[] bounds) {
        if (shapes.length == 1) return super.runInputs(shapes, inputs, output, variant, bounds);
        long stamp = enter();
        try {
            checkOutput(output, computeOutputShape(Arrays.asList(shapes)));
            buildFor(shapes[0]);
            runBoth(shapes[0], inputs[0], null, output, BaseRecurrent.initialStates(shapes, inputs));
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    @Override
    KerasExtremes kerasExtremes() {
        return forward.kerasRelu() ? BaseRecurrent.RECURRENCE : null;
    }

    /** After oneDNN's relu cells ran in keras mode: both directions as Keras' formulas, where they may differ. */
    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        if (!forward.dnnlExact(inputShape, input) || !backward.dnnlExact(inputShape, input)) {
            runBoth(inputShape, input, null, output, null);
        }
    }

    @Override
    List<long[]> maskedOutputShapes(List<long[]> inputs, long[] mask) {
        BaseRecurrent.checkMask(this, inputs.get(0), mask);
        return computeOutputShapes(inputs);
    }

    /**
     * With a mask: each direction keeps its state over masked steps (on oneDNN's cells each sample's
     * unmasked steps packed and run together, else in Java).
     */
    @Override
    double runMaskedInputs(long[][] shapes, MemorySegment[] inputs, long[] maskShape, MemorySegment mask,
                           MemorySegment output, double[] bounds) {
        long stamp = enter();
        try {
            maskedOutputShapes(Arrays.asList(shapes), maskShape);
            buildFor(shapes[0]);
            runBoth(shapes[0], inputs[0], mask, output, BaseRecurrent.initialStates(shapes, inputs));
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /**
     * Both directions and the merge, with a mask (null: none) and, under {@code return_state},
     * each direction's last states packed after the output; as Keras' Bidirectional sets
     * {@code zero_output_for_mask} to {@code return_sequences}, masked steps of sequences output zeros.
     */
    private void runBoth(long[] in, MemorySegment input, MemorySegment mask, MemorySegment output, float[] initial) {
        boolean sequences = forward.args.returnSequences;
        boolean states = forward.args.returnState;
        long rows = in[0] * (sequences ? in[1] : 1);
        long units = forward.units;
        try (Arena arena = Arena.ofConfined()) {
            if (reversed) {
                input = reverseSteps(input, in[0], in[1], in[2] * Float.BYTES, arena);
                if (mask != null) mask = reverseSteps(mask, in[0], in[1], Float.BYTES, arena);
            }
            MemorySegment ahead = arena.allocate(rows * units * Float.BYTES, 64);
            MemorySegment behind = arena.allocate(rows * units * Float.BYTES, 64);
            int count = Math.toIntExact(in[0] * units * forward.states());
            float[] forwardStates = states ? new float[count] : null;
            float[] backwardStates = states ? new float[count] : null;
            if (states || initial != null) {
                // Keras' initial_state: the forward layer's states, then the backward one's
                float[] first = initial == null ? null : Arrays.copyOfRange(initial, 0, initial.length / 2);
                float[] second = initial == null ? null : Arrays.copyOfRange(initial, initial.length / 2, initial.length);
                float[] forwardLast = forwardStates != null ? forwardStates : new float[count];
                float[] backwardLast = backwardStates != null ? backwardStates : new float[count];
                if (mask == null && forward.onDnnl() && backward.onDnnl() && !forward.kerasRelu()) {
                    forward.runDirection(in, input, first, false, ahead, forwardLast);
                    backward.runDirection(in, input, second, true, behind, backwardLast);
                } else {
                    forward.runSteps(in, input, mask, ahead, false, true, sequences, first, forwardStates);
                    backward.runSteps(in, input, mask, behind, true, true, sequences, second, backwardStates);
                }
            } else {
                forward.runMasked(in, input, mask, ahead, false, true, sequences);
                backward.runMasked(in, input, mask, behind, true, true, sequences);
            }
            if (!severalOutputs()) {
                placeForward(ahead, output, rows, units);
                mergeBackward(behind, output, rows, units);
                return;
            }
            List<MemorySegment> parts = new java.util.ArrayList<>();
            if (merge == null) {
                parts.add(ahead);
                parts.add(behind);
            } else {
                MemorySegment merged = arena.allocate(rows * units * Float.BYTES * (merge == Recurrences.Merge.CONCAT
                        ? 2 : 1), 64);
                placeForward(ahead, merged, rows, units);
                mergeBackward(behind, merged, rows, units);
                parts.add(merged);
            }
            long bytes = in[0] * units * Float.BYTES;
            for (float[] st : states ? List.of(forwardStates, backwardStates) : List.<float[]>of()) {
                for (int i = 0; i < forward.states(); i++) parts.add(MemorySegment.ofArray(st).asSlice(i * bytes, bytes));
            }
            OutputPart.pack(computeOutputShapes(List.of(in)), parts, output);
        }
    }

    /** A copy of {@code (batch, steps, row)} values with the steps in reverse order. */
    private static MemorySegment reverseSteps(MemorySegment from, long batch, long steps, long rowBytes, Arena arena) {
        MemorySegment to = arena.allocate(batch * steps * rowBytes, 64);
        for (long n = 0; n < batch; n++) {
            for (long t = 0; t < steps; t++) {
                MemorySegment.copy(from, (n * steps + t) * rowBytes, to, (n * steps + steps - 1 - t) * rowBytes, rowBytes);
            }
        }
        return to;
    }

    @Override
    void closeParts() {
        forward.close();
        backward.close();
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (merge == null) c.putNull("merge_mode");
        else c.put("merge_mode", merge.name().toLowerCase(Locale.ROOT));
        ObjectNode layer = (ObjectNode) Layers.toConfig(forward);
        // Keras saves the layer it was given, under its own name (the forward copy is forward_<name>)
        String n = forward.name();
        ((ObjectNode) layer.get("config")).put("name", n.startsWith("forward_") ? n.substring(8) : n);
        if (reversed) ((ObjectNode) layer.get("config")).put("go_backwards", true);
        c.set("layer", serialized(layer));
        if (backwardGiven) {
            ObjectNode b = (ObjectNode) Layers.toConfig(backward);
            if (reversed) ((ObjectNode) b.get("config")).put("go_backwards", false);
            c.set("backward_layer", serialized(b));
        }
        return c;
    }

    /** A wrapped layer's object as tf.keras 2.13+ serializes it: with its module, which Keras 3 needs to find it. */
    static ObjectNode serialized(ObjectNode layer) {
        ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        out.put("module", "keras.layers");
        out.setAll(layer);
        out.putNull("registered_name");
        return out;
    }
}

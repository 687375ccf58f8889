package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code RNN} over {@code StackedRNNCells} ({@code RNN([LSTMCell(8), GRUCell(4)])}): at
 * each step every cell takes the output of the one before it. Nothing flows back down the stack,
 * so this is the cells' layers run one after the other over the whole sequence, each but the last
 * returning every step; with {@code go_backwards} each runs from the last step, the ones inside the
 * stack keeping their outputs at their steps so the next meets them in the same order. A masked step
 * keeps every cell's state, so each layer takes the same mask. The cells' weights are the layer's,
 * in the stack's order; {@code return_state} gives the last cell's output, then each cell's last
 * states in the stack's order, as Keras 3 flattens its nested states; {@code initial_state} (nested
 * per cell in Keras) is read flat, in the same order, after the sequence.
 */
public final class StackedRNN extends Layer {
    /** Keras' class name of the stacked cell, {@code "StackedRNNCells"}. */
    static final String CELLS_CLASS_NAME = "StackedRNNCells";

    private final List<BaseRecurrent> layers; // one per cell, all but the last returning sequences
    private final String cellsName;
    private final boolean returnSequences;
    private final boolean goBackwards;
    private final boolean zeroOutputForMask;
    private final boolean unroll;
    private final boolean returnState;

    private StackedRNN(String name, long[] batchInputShape, boolean trainable, List<BaseRecurrent> layers,
                       String cellsName, boolean returnSequences, boolean goBackwards, boolean zeroOutputForMask,
                       boolean unroll, boolean returnState) {
        super(name, batchInputShape, trainable);
        this.layers = layers;
        this.cellsName = cellsName;
        this.returnSequences = returnSequences;
        this.goBackwards = goBackwards;
        this.zeroOutputForMask = zeroOutputForMask;
        this.unroll = unroll;
        this.returnState = returnState;
    }

    /** Keras' {@code RNN.from_config} with a {@code StackedRNNCells} cell. */
    static StackedRNN fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(RNN.CLASS_NAME, config);
        String name = r.string("name", null);
        if (name == null) name = LayerNames.next("rnn");
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        boolean returnSequences = r.bool("return_sequences", false);
        boolean goBackwards = r.bool("go_backwards", false);
        boolean zeroOutput = r.bool("zero_output_for_mask", false);
        boolean unroll = r.bool("unroll", false);
        boolean returnState = r.bool("return_state", false);
        JsonNode stacked = r.node("cell");
        r.node("stateful");
        r.node("time_major");
        r.node("num_constants");
        r.finish();
        ConfigReader cr = new ConfigReader(CELLS_CLASS_NAME, stacked.get("config"));
        String cellsName = cr.string("name", "stacked_rnn_cells");
        cr.bool("trainable", true);
        JsonNode cells = cr.node("cells");
        cr.finish();
        if (!cells.isArray() || cells.isEmpty()) {
            throw ConfigReader.bad("cells", cells, "a non-empty list of cells");
        }
        List<BaseRecurrent> layers = new ArrayList<>();
        try {
            for (int i = 0; i < cells.size(); i++) {
                ObjectNode own = ((ObjectNode) config).deepCopy();
                own.put("name", name + "_" + cells.get(i).path("config").path("name").asText("cell_" + i));
                own.put("return_sequences", i < cells.size() - 1 || returnSequences);
                own.put("return_state", false);
                own.remove("batch_input_shape");
                own.remove("input_shape");
                own.remove("batch_size");
                JsonNode cell = cells.get(i);
                if (!cell.isObject() || !cell.path("config").isObject()) {
                    throw ConfigReader.bad("cells", cell, "a cell's config {\"class_name\", \"config\"}");
                }
                if (cell.path("class_name").asText().equals(CELLS_CLASS_NAME)) {
                    throw new IllegalArgumentException("StackedRNNCells inside StackedRNNCells is not supported by kdnn");
                }
                layers.add(RNN.layerOf(own, cell));
            }
            return Layer.builtFor(new StackedRNN(name, batchInputShape, trainable, List.copyOf(layers), cellsName,
                    returnSequences, goBackwards, zeroOutput, unroll, returnState), batchInputShape);
        } catch (RuntimeException | Error e) {
            for (BaseRecurrent l : layers) l.close();
            throw e;
        }
    }

    /** The layers of the stack's cells, first to last; owned by this layer. */
    public List<Layer> cellLayers() {
        ensureOpen();
        return List.copyOf(layers);
    }

    /** The stacked cell's name ({@code stacked_rnn_cells}). */
    public String cellsName() {
        ensureOpen();
        return cellsName;
    }

    @Override
    public String className() {
        return RNN.CLASS_NAME;
    }

    /** The output, or with {@code return_state} the output and every cell's last states packed per sample. */
    @Override
    public long[] computeOutputShape(long[] shape) {
        return returnState ? BaseRecurrent.packed(computeOutputShapes(List.of(shape))) : kerasOutputShape(shape);
    }

    private long[] kerasOutputShape(long[] shape) {
        long[] s = shape;
        for (BaseRecurrent l : layers) s = l.kerasOutputShape(s);
        return s;
    }

    /**
     * Keras' outputs: the last cell's output, then with {@code return_state} each cell's last states
     * in the stack's order (h, and an LSTM's c, each {@code (batch, units)}), as Keras 3 flattens them.
     */
    @Override
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        int states = 0;
        for (BaseRecurrent l : layers) states += l.states();
        if (inputShapes.size() != 1 && inputShapes.size() != 1 + states) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (RNN over StackedRNNCells) expects the sequence,"
                    + " or the sequence and its cells' " + states + " initial states, but it received " + inputShapes.size()
                    + " input tensors");
        }
        long[] in = inputShapes.get(0);
        int at = 1;
        for (BaseRecurrent l : layers) {
            if (inputShapes.size() == 1) break;
            for (int k = 0; k < l.states(); k++, at++) {
                long[] s = inputShapes.get(at);
                if (s.length != 2 || s[1] != l.units || s[0] >= 0 && in[0] >= 0 && s[0] != in[0]) {
                    throw new IllegalArgumentException("Layer \"" + name() + "\" (RNN over StackedRNNCells): initial"
                            + " state " + (at - 1) + " must be (batch, " + l.units + "), got " + Shapes.format(s));
                }
            }
        }
        List<long[]> all = new ArrayList<>(List.of(kerasOutputShape(in)));
        for (int i = 0; returnState && i < layers.size(); i++) {
            for (int k = 0; k < layers.get(i).states(); k++) all.add(new long[] {in[0], layers.get(i).units});
        }
        return all;
    }

    @Override
    public long[] computeOutputShape(List<long[]> inputShapes) {
        List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    /** The states each cell carries (2 for an LSTM's, else 1), in the stack's order. */
    public List<Integer> stateCounts() {
        ensureOpen();
        return layers.stream().map(BaseRecurrent::states).toList();
    }

    /** Built for the sequence: initial states come after it. */
    @Override
    long[] buildShape(List<long[]> inputShapes) {
        return inputShapes.get(0);
    }

    /** With initial states: Keras' steps from them. */
    @Override
    double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant, double[] bounds) {
        if (shapes.length == 1) return super.runInputs(shapes, inputs, output, variant, bounds);
        long stamp = enter();
        try {
            List<long[]> all = Arrays.asList(shapes);
            checkOutput(output, computeOutputShape(all));
            buildFor(shapes[0]);
            runWithStates(shapes[0], inputs[0], null, output, BaseRecurrent.initialStates(shapes, inputs));
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /** Each layer's input: the sequence, then the sequences of the layers before it. */
    private long[] inputOf(int i, long[] in) {
        return i == 0 ? in : new long[] {in[0], in[1], layers.get(i - 1).units};
    }

    @Override
    protected void createWeights(long[] inputShape) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).build(inputOf(i, inputShape));
            variables.addAll(layers.get(i).variables); // Keras' get_weights: the cells' in order
        }
    }

    @Override
    void weightsChanged() {
        for (BaseRecurrent l : layers) {
            l.weightsChanged();
            l.bumpWeightsVersion();
            l.pipelines.prepareAll();
        }
    }

    @Override
    long work(long[] inputShape) {
        long w = 0;
        for (int i = 0; i < layers.size(); i++) w += layers.get(i).work(inputOf(i, inputShape));
        return w;
    }

    /** The layers one after the other through buffers of each one's sequence. */
    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (returnState) {
            return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> runWithStates(inputShape, in,
                    null, out, null)).build();
        }
        Pipeline.Builder b = Pipeline.builder();
        int from = Pipeline.INPUT;
        for (int i = 0; i < layers.size(); i++) {
            boolean last = i == layers.size() - 1;
            int to = last ? Pipeline.OUTPUT : b.buffer(inputShape[0] * inputShape[1] * layers.get(i).units * Float.BYTES);
            BaseRecurrent l = layers.get(i);
            long[] in = inputOf(i, inputShape);
            b.javaStep(from, to, (x, y) -> l.runMasked(in, x, null, y, goBackwards, !last, false));
            from = to;
        }
        return b.build();
    }

    /** Keras' RNN {@code compute_mask}: the sequences carry the input's mask on, the last output none. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return returnSequences ? kdnn.internal.MaskUse.READS_AND_PASSES : kdnn.internal.MaskUse.READS;
    }

    @Override
    List<long[]> maskedOutputShapes(List<long[]> inputs, long[] mask) {
        BaseRecurrent.checkMask(this, inputs.get(0), mask);
        return computeOutputShapes(inputs);
    }

    /** With a mask: every layer keeps its state over the masked steps. */
    @Override
    double runMaskedInputs(long[][] shapes, MemorySegment[] inputs, long[] maskShape, MemorySegment mask,
                           MemorySegment output, double[] bounds) {
        long stamp = enter();
        try {
            maskedOutputShapes(Arrays.asList(shapes), maskShape);
            buildFor(shapes[0]);
            long[] in = shapes[0];
            if (returnState || shapes.length > 1) {
                runWithStates(in, inputs[0], mask, output, BaseRecurrent.initialStates(shapes, inputs));
                return Double.NaN;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = inputs[0];
                for (int i = 0; i < layers.size(); i++) {
                    boolean last = i == layers.size() - 1;
                    MemorySegment y = last ? output : arena.allocate(in[0] * in[1] * layers.get(i).units * Float.BYTES, 64);
                    layers.get(i).runMasked(inputOf(i, in), x, mask, y, goBackwards, !last, last && zeroOutputForMask);
                    x = y;
                }
            }
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /**
     * With {@code return_state}: every layer as Keras' steps (which give the last states of a masked
     * sample), the last cell's output and each cell's states packed per sample.
     */
    private void runWithStates(long[] in, MemorySegment input, MemorySegment mask, MemorySegment packed, float[] initial) {
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> parts = new ArrayList<>();
            List<MemorySegment> states = new ArrayList<>();
            MemorySegment x = input;
            int from = 0;
            for (int i = 0; i < layers.size(); i++) {
                BaseRecurrent l = layers.get(i);
                boolean last = i == layers.size() - 1;
                long[] shape = inputOf(i, in);
                MemorySegment y = arena.allocate(Shapes.product(l.kerasOutputShape(shape)) * Float.BYTES, 64);
                int size = Math.toIntExact(in[0] * l.units * l.states());
                float[] finals = new float[size];
                // this cell's initial states: its h (and c) among the stack's, in order
                float[] first = initial == null ? null : Arrays.copyOfRange(initial, from, from + size);
                from += size;
                l.runSteps(shape, x, mask, y, goBackwards, !last, last && zeroOutputForMask, first, finals);
                long bytes = in[0] * l.units * Float.BYTES;
                for (int k = 0; k < l.states(); k++) states.add(MemorySegment.ofArray(finals).asSlice(k * bytes, bytes));
                if (last) parts.add(y);
                x = y;
            }
            if (!returnState) {
                MemorySegment.copy(parts.get(0), 0, packed, 0, parts.get(0).byteSize());
                return;
            }
            parts.addAll(states);
            OutputPart.pack(computeOutputShapes(List.of(in)), parts, packed);
        }
    }

    @Override
    void closeParts() {
        for (BaseRecurrent l : layers) l.close();
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("return_sequences", returnSequences);
        c.put("return_state", returnState);
        c.put("go_backwards", goBackwards);
        c.put("stateful", false);
        c.put("unroll", unroll);
        if (zeroOutputForMask) c.put("zero_output_for_mask", true);
        ObjectNode cell = RNN.serialized(CELLS_CLASS_NAME);
        c.set("cell", cell);
        ObjectNode cc = (ObjectNode) cell.get("config");
        cc.put("name", cellsName);
        cc.put("trainable", c.path("trainable").asBoolean(true));
        cc.put("dtype", "float32");
        ArrayNode list = cc.putArray("cells");
        for (BaseRecurrent l : layers) list.add(l.cellObject());
        return c;
    }
}

package kdnn.internal.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.internal.LayerBridge;
import kdnn.internal.RunVariant;
import kdnn.layers.Activation;
import kdnn.layers.DataFormat;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.ShapeLayer;
import kdnn.layers.Shapes;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * Turns a model graph into a {@link Plan} for one set of input shapes: shapes first, then the
 * fusion passes (each skipped where its conditions fail), then the storage order of each
 * intermediate value, then the steps and the buffers they share by liveness.
 */
public final class Planner {
    /** Which passes run: all (the default), or none (to compare a fused model with the plain one). */
    public enum Fusion { ALL, NONE }

    private final GraphSpec graph;
    private final List<long[]> inputShapes;
    private final Fusion fusion;
    private final int slice; // samples per slice: 0 chooses, Integer.MAX_VALUE never slices
    private final LayerBridge bridge = LayerBridge.get();
    // per value: its shape; per value: what replaced it when its producer was removed
    private final List<long[]> shapes = new ArrayList<>();
    private final List<Integer> alias = new ArrayList<>();
    private final List<Work> nodes = new ArrayList<>();
    private final int[] outputs;
    private final List<Derivation> derivations = new ArrayList<>();
    private final List<Pipeline> pipelines = new ArrayList<>();

    /** A layer call while planning: passes change its layer, inputs and extras. */
    private static final class Work {
        Layer layer;
        int[] inputs;
        final int output;
        final String label;
        final List<String> absorbed = new ArrayList<>();
        int[][] padding;
        String paddingLabel;
        Derivation derivation;
        int sumInto = -1;
        float summandScale = 1f; // the factor of this layer's result before the sum (a CustomScaleLayer's scale)
        Activation afterSum;
        int concatInto = -1;     // the Concatenate value whose buffer this layer writes its channels into
        long channelOffset;
        long channelStride;
        boolean removed;

        Work(Layer layer, int[] inputs, int output, String label) {
            this.layer = layer;
            this.inputs = inputs;
            this.output = output;
            this.label = label;
        }
    }

    private Planner(GraphSpec graph, List<long[]> inputShapes, Fusion fusion, int slice) {
        this.graph = graph;
        this.inputShapes = inputShapes;
        this.fusion = fusion;
        this.slice = slice;
        this.outputs = graph.outputs().clone();
    }

    /** Plans {@code graph} for inputs of these shapes (batch first), slicing the batch where the planner sees fit. */
    public static Plan plan(GraphSpec graph, List<long[]> inputShapes, Fusion fusion) {
        return plan(graph, inputShapes, fusion, 0);
    }

    /**
     * Plans {@code graph} for inputs of these shapes (batch first), running the batch in slices
     * of at most {@code slice} samples ({@link BatchSlices}): 0 lets the planner choose from the
     * values' sizes and the caches (or the {@code kdnn.batchSlice} setting), {@code
     * Integer.MAX_VALUE} runs the batch at once. A model with a layer that mixes samples never slices.
     */
    public static Plan plan(GraphSpec graph, List<long[]> inputShapes, Fusion fusion, int slice) {
        if (slice < 0) {
            throw new IllegalArgumentException("samples per slice must be 0 (chosen by the planner) or positive, got "
                    + slice);
        }
        Planner p = new Planner(graph, inputShapes, fusion, slice == 0 ? SliceSize.processSetting() : slice);
        try {
            return p.build();
        } catch (RuntimeException | Error e) {
            p.pipelines.forEach(Pipeline::close);
            p.derivations.forEach(Derivation::close);
            throw e;
        }
    }

    private Plan build() {
        if (inputShapes.size() != graph.inputCount()) {
            throw new IllegalArgumentException("model \"" + graph.modelName() + "\" takes " + graph.inputCount()
                    + " inputs, got " + inputShapes.size());
        }
        for (long[] s : inputShapes) {
            shapes.add(s.clone());
            alias.add(shapes.size() - 1);
        }
        for (GraphSpec.Call c : graph.calls()) {
            List<long[]> in = new ArrayList<>();
            for (int v : c.inputs()) in.add(shapes.get(v));
            long[] out;
            try {
                out = c.layer().computeOutputShape(in);
                // a built layer takes any shape its input spec accepts (Keras fixes only the channel
                // axis): a shared layer is called on other spatial sizes than it was built for
                long[] build = bridge.buildShape(c.layer(), in);
                if (build != null && !c.layer().isBuilt()) c.layer().build(build);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model \"" + graph.modelName() + "\": " + describe(c.layer(), in)
                        + ": " + e.getMessage(), e);
            }
            int v = shapes.size();
            shapes.add(out);
            alias.add(v);
            nodes.add(new Work(c.layer(), c.inputs().clone(), v, c.label()));
        }
        removeUnreadMasks();
        if (fusion == Fusion.ALL) {
            removeIdentities();
            foldZeroPadding();
            foldBatchNormalization();
            joinHardSwish();
            joinHardSigmoid();
            foldActivations();
            fuseResidualAdds(ExtremeValues.mode() == ExtremeValues.KERAS);
            fuseReluIntoBatchNormalization();
            if (ExtremeValues.mode() == ExtremeValues.FUSED) {
                concatenateInPlace();
            }
        }
        // slicing is judged on the fused steps; the slices' plans fuse again for their own shapes
        Plan staged = slice == 0 ? stageSlices() : null;
        if (staged != null) {
            derivations.forEach(Derivation::close);
            derivations.clear();
            return staged;
        }
        int size = sliceSize();
        if (size > 0) {
            derivations.forEach(Derivation::close);
            derivations.clear();
            return slices(size);
        }
        // the derived layers' weights, once each (the passes made and replaced them without any)
        for (Derivation d : derivations) {
            if (d.stale()) d.refresh();
        }
        return new Layout(this).plan();
    }

    /** True when every value has the batch axis first and no step mixes samples: the batch may run in slices. */
    private boolean samplesApart() {
        long batch = inputShapes.get(0)[0];
        for (long[] s : shapes) {
            if (s.length == 0 || s[0] != batch) return false; // a value without the batch axis first
        }
        for (Work n : live()) {
            List<long[]> in = new ArrayList<>();
            for (int v : n.inputs) in.add(shapes.get(v));
            if (bridge.mixesSamples(n.layer, in)) return false;
        }
        return true;
    }

    /** What a step reads and writes per sample: its inputs, its output, and the value it adds its result to. */
    private long stepSampleBytes(Work n) {
        long bytes = sampleBytes(shapes.get(n.output));
        for (int v : n.inputs) bytes += sampleBytes(shapes.get(v));
        if (n.sumInto >= 0) bytes += sampleBytes(shapes.get(n.sumInto));
        return bytes;
    }

    /** Samples per slice where the batch runs in slices, else 0. */
    private int sliceSize() {
        long batch = inputShapes.get(0)[0];
        if (slice == Integer.MAX_VALUE || batch <= 1 || batch > Integer.MAX_VALUE || !samplesApart()) return 0;
        long stepBytes = 0;   // the most one step reads and writes, per sample
        long valueBytes = 0;  // what the steps write, per sample
        long weightBytes = 0; // what each slice reads again
        for (Work n : live()) {
            valueBytes += sampleBytes(shapes.get(n.output));
            stepBytes = Math.max(stepBytes, stepSampleBytes(n));
            weightBytes += n.layer.countParams() * Float.BYTES;
        }
        int size = slice > 0 ? (int) Math.min(slice, batch)
                : SliceSize.choose((int) batch, stepBytes, valueBytes, weightBytes, kdnn.runtime.Threads.count());
        return size < batch ? size : 0;
    }

    private static long sampleBytes(long[] shape) {
        long bytes = Float.BYTES;
        for (int d = 1; d < shape.length; d++) bytes *= shape[d];
        return bytes;
    }

    /**
     * The plan of the model's stages, each in slices of its own size ({@link StageSlices}), or
     * null where that would not differ from one size for all: a model of one input whose samples
     * stay apart, cut after every layer call whose value is then the only one live (a ResNet
     * block's output); each piece's size from its own fused steps
     * ({@link SliceSize#chooseForStage}), pieces of one size joined into a stage.
     */
    private Plan stageSlices() {
        long batch = inputShapes.get(0)[0];
        if (graph.inputCount() != 1 || batch <= 1 || batch > Integer.MAX_VALUE || !graph.givenMasks().isEmpty()
                || !samplesApart()) {
            return null;
        }
        // a channels_first model's stages would each convert their whole-batch input and output
        for (Work n : live()) if (bridgeFormat(n.layer) == DataFormat.CHANNELS_FIRST) return null;
        int[] cuts = cuts();
        if (cuts.length == 0) return null;
        int pieces = cuts.length + 1;
        long[] step = new long[pieces];
        long[] values = new long[pieces];
        long[] weights = new long[pieces];
        boolean[] steps = new boolean[pieces];
        for (Work n : live()) {
            int k = pieceOf(cuts, n.output - graph.inputCount());
            values[k] += sampleBytes(shapes.get(n.output));
            step[k] = Math.max(step[k], stepSampleBytes(n));
            weights[k] += n.layer.countParams() * Float.BYTES;
            steps[k] = true;
        }
        long cache = SliceSize.stageCacheBytes(kdnn.runtime.Threads.count());
        int[] size = new int[pieces];
        int[] fewest = new int[pieces];
        for (int k = 0; k < pieces; k++) {
            if (!steps[k]) continue;
            size[k] = SliceSize.chooseForStage((int) batch, step[k], values[k], weights[k], cache);
            fewest[k] = SliceSize.fewestForWeights((int) batch, values[k], weights[k]);
        }
        // a piece without steps of its own (a layer folded into the step before it) goes with its neighbour
        for (int k = 1; k < pieces; k++) if (size[k] == 0) size[k] = size[k - 1];
        for (int k = pieces - 2; k >= 0; k--) if (size[k] == 0) size[k] = size[k + 1];
        // no larger than a later piece's, where its weights allow: values shrink and weights grow
        // along a CNN, a smaller slice costs an early piece little, and every change of size costs
        // a whole-batch value written and read again
        for (int k = pieces - 2; k >= 0; k--) size[k] = Math.max(fewest[k], Math.min(size[k], size[k + 1]));
        List<int[]> stages = new ArrayList<>(); // {last call, size}
        for (int k = 0; k < pieces; k++) {
            int last = k < cuts.length ? cuts[k] : graph.calls().size() - 1;
            if (!stages.isEmpty() && stages.getLast()[1] == size[k]) {
                stages.getLast()[0] = last;
            } else {
                stages.add(new int[] {last, size[k]});
            }
        }
        if (stages.size() < 2) return null;
        List<Plan> plans = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        try {
            int first = 0;
            int from = 0; // the value the stage reads
            for (int[] st : stages) {
                GraphSpec part = stage(from, first, st[0]);
                plans.add(plan(part, List.of(shapes.get(from)), fusion, st[1] == batch ? Integer.MAX_VALUE : st[1]));
                sizes.add(st[1]);
                from = graph.valueOf(st[0]);
                first = st[0] + 1;
            }
        } catch (RuntimeException | Error e) {
            plans.forEach(Plan::close);
            throw e;
        }
        List<long[]> outShapes = new ArrayList<>();
        for (int o : graph.outputs()) outShapes.add(shapes.get(o).clone());
        return new StageSlices(inputShapes, outShapes, plans, sizes);
    }

    /** The calls after which one value is live, their own (not the last call), ascending. */
    private int[] cuts() {
        List<GraphSpec.Call> calls = graph.calls();
        int n = calls.size();
        int in = graph.inputCount();
        int[] lastRead = new int[in + n]; // the last call reading each value; n for a model output
        Arrays.fill(lastRead, -1);
        for (int j = 0; j < n; j++) {
            for (int v : calls.get(j).inputs()) lastRead[v] = Math.max(lastRead[v], j);
        }
        for (int o : graph.outputs()) lastRead[o] = n;
        int[] change = new int[n + 1]; // live after call i: made at or before i, read after i
        for (int v = 0; v < in + n; v++) {
            int made = Math.max(0, v - in);
            if (lastRead[v] > made) {
                change[made]++;
                change[lastRead[v]]--;
            }
        }
        List<Integer> cuts = new ArrayList<>();
        int live = 0;
        for (int i = 0; i < n - 1; i++) {
            live += change[i];
            if (live == 1 && lastRead[in + i] > i) cuts.add(i);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int pieceOf(int[] cuts, int call) {
        for (int k = 0; k < cuts.length; k++) if (call <= cuts[k]) return k;
        return cuts.length;
    }

    /** Calls {@code first..last} as a model of one input, value {@code from}, whose output is the last call's or the model's. */
    private GraphSpec stage(int from, int first, int last) {
        List<GraphSpec.Call> calls = new ArrayList<>();
        for (int j = first; j <= last; j++) {
            GraphSpec.Call c = graph.calls().get(j);
            int[] ins = new int[c.inputs().length];
            for (int i = 0; i < ins.length; i++) ins[i] = local(c.inputs()[i], from, first, last);
            calls.add(new GraphSpec.Call(c.layer(), ins, c.label()));
        }
        int[] outs = last == graph.calls().size() - 1
                ? Arrays.stream(graph.outputs()).map(o -> local(o, from, first, last)).toArray()
                : new int[] {1 + last - first};
        return new GraphSpec(graph.modelName(), 1, calls, outs, List.of());
    }

    private int local(int value, int from, int first, int last) {
        if (value == from) return 0;
        int call = value - graph.inputCount();
        if (call < first || call > last) {
            throw new IllegalStateException("value " + value + " crosses the stage of calls " + first + ".." + last);
        }
        return 1 + call - first;
    }

    /** The plan of {@code size} samples run over the batch (and one for the rest, if any). */
    private Plan slices(int size) {
        int batch = (int) inputShapes.get(0)[0];
        List<long[]> outShapes = new ArrayList<>();
        for (int o : outputs) outShapes.add(shapes.get(o).clone());
        StepPlan whole = (StepPlan) plan(graph, withBatch(size), fusion, Integer.MAX_VALUE);
        try {
            StepPlan rest = batch % size == 0 ? null
                    : (StepPlan) plan(graph, withBatch(batch % size), fusion, Integer.MAX_VALUE);
            return new BatchSlices(inputShapes, outShapes, whole, rest, size);
        } catch (RuntimeException | Error e) {
            whole.close();
            throw e;
        }
    }

    private List<long[]> withBatch(int batch) {
        List<long[]> out = new ArrayList<>();
        for (long[] s : inputShapes) {
            long[] c = s.clone();
            c[0] = batch;
            out.add(c);
        }
        return out;
    }

    static String describe(Layer layer, List<long[]> shapes) {
        List<String> s = shapes.stream().map(Shapes::format).toList();
        String joined = s.size() <= 1 ? String.join("", s)
                : String.join(", ", s.subList(0, s.size() - 1)) + " and " + s.get(s.size() - 1);
        return "layer \"" + layer.name() + "\" (" + layer.className() + ") got shape" + (s.size() == 1 ? " " : "s ")
                + joined;
    }

    // ---- passes -------------------------------------------------------------------------

    /** Dropout and its family: the consumers read the input instead. */
    private void removeIdentities() {
        for (Work n : live()) {
            if (n.inputs.length == 1 && bridge.identityAtInference(n.layer)) {
                replace(n.output, n.inputs[0]);
                n.removed = true;
            }
        }
    }

    /**
     * A ZeroPadding read only by a convolution that can take the zeros as its own padding, or by
     * a max pooling (whose padding oneDNN leaves out of the maximum) where the padded values come
     * from a ReLU: never negative, so the zeros never change a maximum (ResNet's stem). In the
     * KERAS mode a ReLU also passes NaN on, and a window holding NaN is NaN with or without the
     * zeros (the pooling's restore skips the folded cells as it skips its own padding).
     */
    private void foldZeroPadding() {
        for (Work pad : live()) {
            if (!(pad.layer instanceof ShapeLayer s) || s.kind() != ShapeLayer.Kind.ZERO_PADDING || isOutput(pad.output)) {
                continue;
            }
            Work next = soleReader(pad.output);
            if (next == null || next.padding != null || next.inputs.length != 1 || next.derivation != null
                    || !bridge.acceptsInputPadding(next.layer, s.pairs(), s.dataFormat(), shapes.get(pad.output))) {
                continue;
            }
            if (next.layer.className().startsWith("MaxPooling") && !fromRelu(pad.inputs[0])) {
                continue;
            }
            next.inputs[0] = pad.inputs[0];
            next.padding = s.pairs();
            next.paddingLabel = pad.label;
            next.absorbed.add(pad.label + " folded into its padding");
            pad.removed = true;
        }
    }

    /** True when {@code value} is a ReLU's (or ReLU(6)'s) output: a ReLU layer's, or a convolution's or Dense's with that activation. */
    private boolean fromRelu(int value) {
        Work p = producer(value);
        if (p == null) return false;
        Activation a = fusable(p.layer);
        if (a == null && foldable(p)) {
            a = p.derivation != null ? p.derivation.activation() : Derivation.currentActivation(p.layer);
        }
        return a == Activation.RELU || a == Activation.RELU6;
    }

    /**
     * A BatchNormalization after a convolution or Dense, on its channel axis, into its kernel and
     * bias; a LayerScale (ConvNeXt's factor per channel of the last axis) the same way.
     */
    private void foldBatchNormalization() {
        for (Work bn : live()) {
            boolean layerScale = bn.layer instanceof kdnn.layers.LayerScale;
            if (!bn.layer.className().equals("BatchNormalization") && !layerScale || bn.inputs.length != 1) continue;
            Work producer = producer(bn.inputs[0]);
            if (producer == null || isOutput(producer.output) || soleReader(producer.output) != bn
                    || !foldable(producer) || producer.derivation != null || producer.sumInto >= 0
                    || Derivation.currentActivation(producer.layer) != Activation.LINEAR) {
                continue; // the normalization must see the producer's linear output, nothing fused after it
            }
            long[] shape = shapes.get(producer.output);
            int axis = layerScale ? shape.length - 1 : Derivation.batchNormAxis(bn.layer.getConfig().get("axis"), shape.length);
            if (axis != channelAxis(producer.layer, shape.length)) continue;
            Derivation d = Derivation.of(sourceOf(producer), bn.layer, null, inputShapeOf(producer));
            adopt(producer, d);
            producer.absorbed.add(bn.label + " folded into kernel and bias");
            replace(bn.output, producer.output);
            bn.removed = true;
        }
    }

    /**
     * A ReLU layer after a BatchNormalization that stayed a step of its own (DenseNet's pre-activation,
     * before a convolution): oneDNN's normalization applies it as it writes (dnnl_fuse_norm_relu).
     * In the KERAS mode the step bounds the normalization's output from its input's bound (scanning
     * the input where none is known) and, where a NaN could meet the ReLU, runs without it and
     * writes Keras' values itself, as a convolution's fused activation does.
     */
    private void fuseReluIntoBatchNormalization() {
        for (Work act : live()) {
            if (fusable(act.layer) != Activation.RELU || act.inputs.length != 1) continue;
            Work bn = producer(act.inputs[0]);
            if (bn == null || !bn.layer.className().equals("BatchNormalization") || bn.inputs.length != 1
                    || isOutput(bn.output) || soleReader(bn.output) != act || bn.afterSum != null || bn.sumInto >= 0
                    || bn.concatInto >= 0) {
                continue;
            }
            bn.afterSum = Activation.RELU;
            bn.absorbed.add(act.label + " fused into the normalization");
            replace(act.output, bn.output);
            act.removed = true;
        }
    }

    /** An activation layer after a convolution or Dense without one, as that layer's activation. */
    /**
     * tf.keras' hard swish, {@code Multiply([x, ReLU(6)(x + 3) * (1 / 6)])} (MobileNetV3's, its
     * {@code x + 3.0} and {@code * (1.0 / 6.0)} read as Rescalings), as one step in place of
     * the four: one oneDNN primitive with the same roundings (see {@code Eltwises.hardSwish}),
     * where nothing else reads the values between them.
     */
    private void joinHardSwish() {
        for (Work mul : live()) {
            if (!mul.layer.className().equals("Multiply") || mul.inputs.length != 2 || mul.inputs[0] == mul.inputs[1]) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                int x = mul.inputs[side];
                Work product = producer(mul.inputs[1 - side]);
                Work relu6 = product == null ? null : producer(product.inputs[0]);
                Work shift = relu6 == null ? null : producer(relu6.inputs[0]);
                if (shift == null || !rescales(product, 1f / 6, 0f) || relu6.inputs.length != 1
                        || fusable(relu6.layer) != Activation.RELU6 || !rescales(shift, 1f, 3f) || shift.inputs[0] != x
                        || soleReader(shift.output) != relu6 || soleReader(relu6.output) != product
                        || soleReader(product.output) != mul || isOutput(shift.output) || isOutput(relu6.output)
                        || isOutput(product.output) || !Arrays.equals(shapes.get(x), shapes.get(mul.output))) {
                    continue;
                }
                adopt(mul, Derivation.made(bridge.hardSwishOps(mul.label), shapes.get(x)));
                mul.inputs = new int[] {x};
                mul.absorbed.add(shift.label + ", " + relu6.label + " and " + product.label
                        + " joined it as one hard swish step");
                for (Work w : List.of(shift, relu6, product)) w.removed = true;
                break;
            }
        }
    }

    /**
     * tf.keras' hard sigmoid, {@code ReLU(6)(x + 3) * (1 / 6)} (MobileNetV3's squeeze-and-excite
     * gate, after the hard swishes are joined), as one step in place of the three: one oneDNN
     * primitive with the same roundings (see {@code Eltwises.hardSigmoid}), where nothing else
     * reads the values between them.
     */
    private void joinHardSigmoid() {
        for (Work product : live()) {
            Work relu6 = rescales(product, 1f / 6, 0f) ? producer(product.inputs[0]) : null;
            Work shift = relu6 == null ? null : producer(relu6.inputs[0]);
            if (shift == null || relu6.inputs.length != 1 || fusable(relu6.layer) != Activation.RELU6
                    || !rescales(shift, 1f, 3f) || soleReader(shift.output) != relu6
                    || soleReader(relu6.output) != product || isOutput(shift.output) || isOutput(relu6.output)) {
                continue;
            }
            double offset = ((kdnn.layers.Rescaling) product.layer).offset()[0];
            boolean plusZero = Double.doubleToRawLongBits(offset) != Double.doubleToRawLongBits(-0.0);
            int x = shift.inputs[0];
            adopt(product, Derivation.made(bridge.hardSigmoidOps(product.label, 1f / 6, plusZero), shapes.get(x)));
            product.inputs = new int[] {x};
            product.absorbed.add(shift.label + " and " + relu6.label + " joined it as one hard sigmoid step");
            shift.removed = true;
            relu6.removed = true;
        }
    }

    /** True when {@code n} is a Rescaling by the scalars {@code scale} and {@code offset} (as float32; either zero's sign). */
    private static boolean rescales(Work n, float scale, float offset) {
        if (!(n.layer instanceof kdnn.layers.Rescaling r) || n.inputs.length != 1) return false;
        double[] s = r.scale();
        double[] o = r.offset();
        return s.length == 1 && o.length == 1 && (float) s[0] == scale && (float) o[0] == offset;
    }

    private void foldActivations() {
        for (Work act : live()) {
            Activation a = fusable(act.layer);
            if (a == null || act.inputs.length != 1) continue;
            Work producer = producer(act.inputs[0]);
            if (producer == null || isOutput(producer.output) || soleReader(producer.output) != act
                    || !foldable(producer) || producer.sumInto >= 0) {
                continue;
            }
            Activation current = producer.derivation != null ? producer.derivation.activation()
                    : Derivation.currentActivation(producer.layer);
            if (current != Activation.LINEAR) continue;
            Derivation d = producer.derivation != null ? producer.derivation.withActivation(a)
                    : Derivation.of(producer.layer, null, a, inputShapeOf(producer));
            adopt(producer, d);
            producer.absorbed.add(act.label + " fused as its activation");
            replace(act.output, producer.output);
            act.removed = true;
        }
    }

    /**
     * {@code Add(conv(x), y)}: the convolution adds its result to y in y's own buffer (a sum
     * post-op), when nothing reads y afterwards; an activation layer after the Add joins too.
     * InceptionResNetV2's {@code CustomScaleLayer([y, conv(x)])} ({@code y + conv(x) * scale}) the
     * same way, the scale a post-op before the sum (only for the scaled operand: oneDNN's sum
     * post-op may fuse a scale of the summed buffer into one rounding).
     * In the KERAS mode only a linear convolution, and only ReLU or ReLU(6) after the sum: the
     * step checks their bounds and computes Keras' NaN itself where they fail
     * ({@link StepPlan.ResidualStep}).
     */
    private void fuseResidualAdds(boolean keras) {
        for (Work add : live()) {
            boolean scaled = add.layer instanceof kdnn.layers.CustomScaleLayer;
            if (!add.layer.className().equals("Add") && !scaled || add.inputs.length != 2 || isOutput(add.output)) continue;
            long[] out = shapes.get(add.output);
            if (!Arrays.equals(shapes.get(add.inputs[0]), out) || !Arrays.equals(shapes.get(add.inputs[1]), out)) continue;
            for (int side = scaled ? 1 : 0; side < 2; side++) {
                Work conv = producer(add.inputs[side]);
                int other = add.inputs[1 - side];
                Work otherProducer = producer(other);
                if (conv == null || otherProducer == null || isOutput(conv.output) || soleReader(conv.output) != add
                        || !bridge.acceptsSum(conv.layer) || conv.sumInto >= 0 || conv.inputs.length != 1
                        || !writesInKerasOrder(conv.layer)
                        || isOutput(other) || other == add.inputs[side]
                        // add(conv(y), y): the sum would overwrite y while the convolution still reads it
                        || conv.inputs[0] == other
                        || keras && !conv.layer.getConfig().path("activation").asText("linear").equals("linear")) {
                    continue;
                }
                // y must be computed before the convolution, and read by nothing after it
                int convAt = nodes.indexOf(conv);
                if (nodes.indexOf(otherProducer) > convAt || readersAfter(other, convAt, add)) continue;
                conv.sumInto = other;
                conv.summandScale = scaled ? ((kdnn.layers.CustomScaleLayer) add.layer).scaleAsComputed() : 1f;
                conv.absorbed.add(add.label + (scaled ? " fused as a scale and a sum" : " fused as a sum")
                        + " into the buffer of " + name(other));
                replace(add.output, conv.output);
                add.removed = true;
                Work act = soleReader(conv.output);
                Activation a = act == null || isOutput(conv.output) ? null : fusable(act.layer);
                if (keras && a != Activation.RELU && a != Activation.RELU6) a = null;
                // after the sum only post-ops run: a softmax or Java step there would be left out
                if (a != null && !bridge.onlyPostOps(a)) a = null;
                // a model output is the caller's tensor, not the summed value's buffer
                if (a != null && act.inputs.length == 1 && !isOutput(act.output)) {
                    conv.afterSum = a;
                    conv.absorbed.add(act.label + " fused after the sum");
                    replace(act.output, conv.output);
                    act.removed = true;
                }
                break;
            }
        }
    }

    /**
     * True when {@code layer} writes its output in the order the summed operand is stored: a
     * channels-last convolution, or a layer without a data format (Dense writes Keras' row-major
     * order) in a model with no channels_first layer (only those store values in another order).
     */
    private boolean writesInKerasOrder(Layer layer) {
        DataFormat f = bridge.variantFormat(layer);
        if (f != null) return f == DataFormat.CHANNELS_LAST;
        for (Work n : live()) {
            if (bridge.variantFormat(n.layer) == DataFormat.CHANNELS_FIRST) return false;
        }
        return true;
    }

    /**
     * A Concatenate on the channel axis of channels-last tensors, each input made by a convolution
     * that only it reads: the convolutions write their channels straight into the Concatenate's
     * buffer (a strided destination), and no copy is made.
     */
    private void concatenateInPlace() {
        for (Work cat : live()) {
            if (!(cat.layer instanceof kdnn.layers.Concatenate c) || isOutput(cat.output)) continue;
            long[] out = shapes.get(cat.output);
            int rank = out.length;
            int axis = c.axis() < 0 ? c.axis() + rank : c.axis();
            if (rank < 3 || rank > 5 || axis != rank - 1 || cat.inputs.length < 2) continue;
            List<Work> producers = new ArrayList<>();
            for (int v : cat.inputs) {
                Work p = producer(v);
                // (not a transposed convolution: oneDNN's deconvolution into a strided destination crashes)
                if (p == null || isOutput(v) || soleReader(v) != cat || !bridge.acceptsSum(p.layer) || p.sumInto >= 0
                        || p.layer.className().endsWith("Transpose")
                        || p.concatInto >= 0 || p.inputs.length != 1 || producers.contains(p)
                        || bridge.variantFormat(p.layer) != DataFormat.CHANNELS_LAST) {
                    producers = null;
                    break;
                }
                producers.add(p);
            }
            if (producers == null) continue;
            // oneDNN 3.13's jit convolutions take no strided destination (a slice of a wider channel
            // axis) and fall back to a reference kernel: then the Concatenate's copy is far cheaper
            // -Dkdnn.plan.concatOnAnyKernel=true writes in place whatever kernel runs (the tests use it to
            // check the strided writes and the shared buffer on this oneDNN)
            boolean fast = true;
            for (Work p : Boolean.getBoolean("kdnn.plan.concatOnAnyKernel") ? List.<Work>of() : producers) {
                fast &= bridge.optimized(p.layer, shapes.get(p.inputs[0]), variant(p.padding, false, false, -1, 1f, null,
                        out[rank - 1], false, false));
            }
            if (!fast) continue;
            long offset = 0;
            for (Work p : producers) {
                long channels = shapes.get(p.output)[rank - 1];
                p.concatInto = cat.output;
                p.channelOffset = offset;
                p.channelStride = out[rank - 1];
                p.absorbed.add("writes channels " + offset + ".." + (offset + channels) + " of " + cat.label
                        + " in place");
                offset += channels;
            }
            cat.removed = true;
        }
    }

    // ---- helpers of the passes ----------------------------------------------------------

    private List<Work> live() {
        return nodes.stream().filter(n -> !n.removed).toList();
    }

    private void replace(int value, int by) {
        for (Work n : nodes) {
            for (int i = 0; i < n.inputs.length; i++) if (n.inputs[i] == value) n.inputs[i] = by;
            if (n.sumInto == value) n.sumInto = by;
        }
        for (int i = 0; i < outputs.length; i++) if (outputs[i] == value) outputs[i] = by;
        alias.set(value, by);
    }

    /**
     * Keras' masks that nothing reads: a mask a layer passes on past the last layer that uses one
     * (a residual Add merging masks that only a Dense head receives). Keras derives them anyway;
     * the plan leaves them out.
     */
    private void removeUnreadMasks() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Work n : live()) {
                if (!n.layer.className().equals("Mask") || isOutput(n.output) || isRead(n.output)) continue;
                n.removed = true;
                changed = true;
            }
        }
    }

    private boolean isRead(int value) {
        for (Work n : live()) {
            for (int v : n.inputs) if (v == value) return true;
            if (n.sumInto == value) return true;
        }
        return false;
    }

    private boolean isOutput(int value) {
        for (int o : outputs) if (o == value) return true;
        return false;
    }

    private Work producer(int value) {
        for (Work n : nodes) if (!n.removed && n.output == value) return n;
        return null;
    }

    /** The one live node reading {@code value}, once; null when none or several read it. */
    private Work soleReader(int value) {
        Work found = null;
        for (Work n : live()) {
            for (int v : n.inputs) {
                if (v != value) continue;
                if (found != null) return null;
                found = n;
            }
            if (n.sumInto == value) return null;
        }
        return found;
    }

    private boolean readersAfter(int value, int index, Work except) {
        for (int i = index + 1; i < nodes.size(); i++) {
            Work n = nodes.get(i);
            if (n.removed || n == except) continue;
            for (int v : n.inputs) if (v == value) return true;
            if (n.sumInto == value) return true;
        }
        return false;
    }

    private boolean foldable(Work n) {
        return Derivation.FOLDABLE.contains(n.layer.className()) && n.inputs.length == 1;
    }

    private Layer sourceOf(Work n) {
        return n.derivation != null ? n.derivation.source() : n.layer;
    }

    private long[] inputShapeOf(Work n) {
        long[] in = shapes.get(n.inputs[0]);
        if (n.padding == null) return in;
        // the derived layer is built for the padded shape it really sees
        return paddedShape(in, n.padding, n.layer);
    }

    private static long[] paddedShape(long[] in, int[][] padding, Layer layer) {
        long[] s = in.clone();
        boolean first = bridgeFormat(layer) == DataFormat.CHANNELS_FIRST;
        for (int i = 0; i < padding.length; i++) {
            s[(first ? 2 : 1) + i] += padding[i][0] + padding[i][1];
        }
        return s;
    }

    private static DataFormat bridgeFormat(Layer layer) {
        return LayerBridge.get().variantFormat(layer);
    }

    private void adopt(Work n, Derivation d) {
        if (n.derivation != null) {
            derivations.remove(n.derivation);
            n.derivation.close();
        }
        derivations.add(d);
        n.derivation = d;
        n.layer = d.layer();
    }

    /** The Keras axis of a layer's output channels: 1 for channels_first, else the last. */
    private int channelAxis(Layer layer, int rank) {
        return bridge.variantFormat(layer) == DataFormat.CHANNELS_FIRST ? 1 : rank - 1;
    }

    /** The Keras activation an activation layer computes, when a producer can take it exactly. */
    static Activation fusable(Layer layer) {
        var c = layer.getConfig();
        return switch (layer.className()) {
            case "Activation" -> {
                String name = c.path("activation").asText("");
                // hard_sigmoid's definition depends on the Keras version that wrote the layer
                if (name.equals("hard_sigmoid")) yield null;
                try {
                    yield Activation.parse(name);
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
            case "ReLU" -> {
                boolean plainSlope = c.path("negative_slope").asDouble(0) == 0 && c.path("threshold").asDouble(0) == 0;
                var max = c.get("max_value");
                if (!plainSlope) yield null;
                if (max == null || max.isNull()) yield Activation.RELU;
                yield max.asDouble() == 6 ? Activation.RELU6 : null;
            }
            default -> null;
        };
    }

    String name(int value) {
        return value < graph.inputCount() ? "input " + value : "v" + value;
    }

    // ---- what Layout reads -------------------------------------------------------------

    GraphSpec graph() {
        return graph;
    }

    List<long[]> inputShapesList() {
        return inputShapes;
    }

    List<long[]> shapes() {
        return shapes;
    }

    int[] outputs() {
        return outputs;
    }

    List<Derivation> derivations() {
        return derivations;
    }

    List<Pipeline> pipelines() {
        return pipelines;
    }

    /** The live nodes in run order, as the layout pass needs them. */
    List<Node> liveNodes() {
        return live().stream().map(n -> new Node(n.layer, n.inputs.clone(), n.output, n.label, List.copyOf(n.absorbed),
                n.padding, n.paddingLabel, n.sumInto, n.summandScale, n.afterSum, n.concatInto, n.channelOffset,
                n.channelStride))
                .toList();
    }

    /** A node after the passes. */
    record Node(Layer layer, int[] inputs, int output, String label, List<String> absorbed, int[][] padding,
                String paddingLabel, int sumInto, float summandScale, Activation afterSum, int concatInto,
                long channelOffset, long channelStride) {
    }

    static Pipeline convert(long[] dims) {
        int rank = dims.length;
        return Merges.convert(dims, Convolutions.channelsLastTag(rank - 2), Merges.plainTag(rank));
    }

    static RunVariant variant(int[][] padding, boolean channelsLastIn, boolean channelsLastOut, int sumInto,
                              float summandScale, Activation afterSum, long channelStride, boolean bf16In,
                              boolean bf16Out) {
        return LayerBridge.get().variant(padding, channelsLastIn, channelsLastOut, sumInto >= 0, summandScale, afterSum,
                channelStride, bf16In, bf16Out);
    }
}

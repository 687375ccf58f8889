package kdnn.internal.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kdnn.internal.LayerBridge;
import kdnn.layers.DataFormat;
import kdnn.layers.Shapes;
import kdnn.runtime.Pipeline;

/**
 * The last planning steps: which values stay channels-last (channels_first tensors between
 * layers that read and write that order), where conversions back to Keras' order go, and which
 * buffer of the workspace holds each value, by liveness.
 */
final class Layout {
    private static final long ALIGN = 64;

    private final Planner p;
    private final LayerBridge bridge = LayerBridge.get();
    private final List<Planner.Node> nodes;
    private final List<long[]> shapes;
    private final int inputCount;
    private final int[] outputs;
    private boolean[] bf16 = new boolean[0]; // per value: stored as bfloat16

    Layout(Planner planner) {
        this.p = planner;
        this.nodes = planner.liveNodes();
        this.shapes = new ArrayList<>(planner.shapes());
        this.inputCount = planner.graph().inputCount();
        this.outputs = planner.outputs();
    }

    private boolean isOutput(int v) {
        for (int o : outputs) if (o == v) return true;
        return false;
    }

    StepPlan plan() {
        // 1. storage: a channels_first tensor stays channels-last where its producer can write
        //    that order and some reader can read it; model outputs are always in Keras' order
        boolean[] channelsLast = new boolean[shapes.size()];
        for (Planner.Node n : nodes) {
            int rank = shapes.get(n.output()).length;
            if (rank < 3 || rank > 5 || isOutput(n.output()) || !anyReaderTakesChannelsLast(n.output())) continue;
            DataFormat f = bridge.variantFormat(n.layer());
            boolean inputsChannelsLast = Arrays.stream(n.inputs()).allMatch(v -> channelsLast[v]);
            if (f == DataFormat.CHANNELS_FIRST && n.sumInto() < 0) {
                channelsLast[n.output()] = true;
            } else if (f == null && bridge.elementwise(n.layer()) && inputsChannelsLast && n.inputs().length == 1) {
                channelsLast[n.output()] = true;
            } else if (f == null && n.inputs().length > 1 && inputsChannelsLast
                    && bridge.mergeAcceptsChannelsLast(n.layer(), shapesOf(n.inputs()))) {
                channelsLast[n.output()] = true;
            }
        }
        // 2. steps, with a conversion wherever a reader needs Keras' order of a channels-last value
        List<StepPlan.Step> steps = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        List<String> stages = new ArrayList<>();
        List<Pipeline> pipelines = p.pipelines();
        Map<Integer, Integer> converted = new HashMap<>();
        Map<Integer, Long> viewOffset = new HashMap<>(); // a value written into part of another's buffer
        int[] sharesBufferOf = new int[shapes.size() * 2 + outputs.length + 1];
        Arrays.fill(sharesBufferOf, -1);
        bf16 = bf16Values(channelsLast);
        for (Planner.Node n : nodes) {
            boolean readsChannelsLast = readsChannelsLast(n, channelsLast);
            int[] in = n.inputs().clone();
            if (!readsChannelsLast) {
                for (int i = 0; i < in.length; i++) {
                    if (channelsLast[in[i]]) in[i] = convert(in[i], steps, lines, pipelines, converted);
                }
            }
            long[][] inShapes = new long[in.length][];
            for (int i = 0; i < in.length; i++) inShapes[i] = shapes.get(in[i]);
            boolean bf16In = in.length == 1 && in[0] < bf16.length && bf16[in[0]]; // a conversion's value is float32
            var variant = Planner.variant(n.padding(), readsChannelsLast, channelsLast[n.output()], n.sumInto(),
                    n.summandScale(), n.afterSum(), n.concatInto() >= 0 ? n.channelStride() : 0, bf16In, bf16[n.output()]);
            if (n.sumInto() >= 0) {
                sharesBufferOf[n.output()] = n.sumInto();
            }
            if (n.concatInto() >= 0) {
                sharesBufferOf[n.output()] = n.concatInto();
                viewOffset.put(n.output(), n.channelOffset() * Float.BYTES);
            }
            StepPlan.LayerStep step = new StepPlan.LayerStep(n.layer(), in, n.output(), inShapes, variant);
            if (n.sumInto() >= 0) {
                var linear = Planner.variant(n.padding(), readsChannelsLast, channelsLast[n.output()], n.sumInto(),
                        n.summandScale(), null, 0, bf16In, bf16[n.output()]);
                steps.add(new StepPlan.ResidualStep(step, n.sumInto(), n.summandScale(), n.afterSum(),
                        new StepPlan.LayerStep(n.layer(), in, n.output(), inShapes, linear)));
            } else {
                steps.add(step);
            }
            stages.add(n.paddingLabel() == null ? n.label() : n.paddingLabel() + " folded into " + n.label());
            StringBuilder line = new StringBuilder(n.label());
            for (String a : n.absorbed()) line.append(" + ").append(a);
            line.append(" <- ").append(names(in)).append(" -> ").append(name(n.output()))
                    .append(' ').append(Shapes.format(shapes.get(n.output())))
                    .append(channelsLast[n.output()] ? " channels-last" : "").append(bf16[n.output()] ? " bf16" : "");
            lines.add(line.toString());
        }
        // model outputs: written in place by their producer, else converted or copied
        int[] outputOf = new int[shapes.size() + outputs.length];
        Arrays.fill(outputOf, -1);
        int[] inputOf = new int[shapes.size() + outputs.length];
        Arrays.fill(inputOf, -1);
        for (int i = 0; i < inputCount; i++) inputOf[i] = i;
        List<Integer> outputValues = new ArrayList<>();
        for (int k = 0; k < outputs.length; k++) {
            int v = outputs[k];
            boolean produced = v >= inputCount && outputOf[v] < 0 && !channelsLast[v];
            if (produced) {
                outputOf[v] = k;
                outputValues.add(v);
                continue;
            }
            int copy = newValue(shapes.get(v));
            outputOf = Arrays.copyOf(outputOf, Math.max(outputOf.length, copy + 1));
            inputOf = Arrays.copyOf(inputOf, Math.max(inputOf.length, copy + 1));
            outputOf[copy] = k;
            inputOf[copy] = -1;
            if (channelsLast[v]) {
                Pipeline c = Planner.convert(shapes.get(v));
                pipelines.add(c);
                steps.add(new StepPlan.ConvertStep(c, new int[] {v}, copy));
                lines.add("convert " + name(v) + " to Keras' order -> output " + k);
            } else {
                steps.add(new StepPlan.CopyStep(new int[] {v}, copy, bytes(copy)));
                lines.add("copy " + name(v) + " -> output " + k);
            }
            outputValues.add(copy);
        }
        int values = shapes.size();
        inputOf = Arrays.copyOf(inputOf, values);
        outputOf = Arrays.copyOf(outputOf, values);
        // 3. buffers by liveness: a value's memory is free again after its last reader ran
        long[] bytes = new long[values];
        for (int v = 0; v < values; v++) bytes[v] = bytes(v);
        int[] root = new int[values];
        for (int v = 0; v < values; v++) root[v] = v < sharesBufferOf.length && sharesBufferOf[v] >= 0 ? sharesBufferOf[v] : v;
        for (int v = 0; v < values; v++) while (root[root[v]] != root[v]) root[v] = root[root[v]];
        int[] lastUse = new int[values];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < steps.size(); s++) {
            for (int v : steps.get(s).inputs()) lastUse[root[v]] = Math.max(lastUse[root[v]], s);
            lastUse[root[steps.get(s).output()]] = Math.max(lastUse[root[steps.get(s).output()]], s);
        }
        long[] offsets = new long[values];
        Arrays.fill(offsets, -1);
        List<long[]> buffers = new ArrayList<>(); // {size}
        List<Integer> free = new ArrayList<>();
        int[] bufferOf = new int[values];
        Arrays.fill(bufferOf, -1);
        for (int s = 0; s < steps.size(); s++) {
            int out = steps.get(s).output();
            int r = root[out];
            if (inputOf[out] < 0 && outputOf[out] < 0 && bufferOf[r] < 0) {
                long need = Math.max(bytes[out], bytes[r]);
                int best = -1;
                for (int b : free) {
                    if (buffers.get(b)[0] >= need && (best < 0 || buffers.get(b)[0] < buffers.get(best)[0])) best = b;
                }
                if (best < 0 && !free.isEmpty()) {
                    best = free.stream().max((a, b) -> Long.compare(buffers.get(a)[0], buffers.get(b)[0])).get();
                    buffers.get(best)[0] = need;
                }
                if (best < 0) {
                    buffers.add(new long[] {need});
                    best = buffers.size() - 1;
                } else {
                    free.remove(Integer.valueOf(best));
                }
                bufferOf[r] = best;
            }
            for (int v : steps.get(s).inputs()) release(root[v], s, lastUse, bufferOf, free);
            release(r, s, lastUse, bufferOf, free);
        }
        long[] bufferOffset = new long[buffers.size()];
        long total = 0;
        for (int b = 0; b < buffers.size(); b++) {
            bufferOffset[b] = total;
            total += (buffers.get(b)[0] + ALIGN - 1) / ALIGN * ALIGN;
        }
        long[] sliceBytes = bytes.clone();
        for (int v = 0; v < values; v++) {
            if (inputOf[v] < 0 && outputOf[v] < 0 && bufferOf[root[v]] >= 0) {
                long extra = viewOffset.getOrDefault(v, 0L);
                offsets[v] = bufferOffset[bufferOf[root[v]]] + extra;
                // a strided view reaches past its own size: up to the end of the buffer it writes into
                if (extra > 0 || root[v] != v) sliceBytes[v] = Math.max(bytes[v], bytes[root[v]] - extra);
            }
        }
        StringBuilder d = new StringBuilder();
        d.append("plan of model \"").append(p.graph().modelName()).append("\" for inputs ")
                .append(String.join(", ", p.inputShapesList().stream().map(Shapes::format).toList())).append('\n');
        for (int s = 0; s < lines.size(); s++) {
            int out = steps.get(s).output();
            String where = outputOf[out] >= 0 ? "output " + outputOf[out]
                    : bufferOf[root[out]] >= 0 ? "buffer " + bufferOf[root[out]] : "";
            d.append(String.format("%3d  %s  [%s]%n", s, lines.get(s), where));
        }
        d.append(String.format("buffers: %d, %,d bytes per concurrent prediction (intermediate values: %,d bytes)%n",
                buffers.size(), total, Arrays.stream(bytes).sum() - Arrays.stream(outputValues.stream()
                        .mapToInt(Integer::intValue).toArray()).mapToLong(v -> bytes[v]).sum()
                        - p.inputShapesList().stream().mapToLong(Layout::byteCount).sum()));
        List<long[]> outShapes = new ArrayList<>();
        for (int o : outputs) outShapes.add(shapes.get(o));
        return new StepPlan(p.inputShapesList(), outShapes, steps, values, inputOf, outputOf, offsets, sliceBytes, total,
                p.derivations(), pipelines, d.toString(), stages);
    }

    /**
     * Which values a bf16 model keeps in bf16: those written and read only by convolutions that
     * compute in bf16 (a residual Add fused into one of them included), so no conversion runs
     * between them. Never a model input or output, a Concatenate's slice, or in the KERAS mode,
     * whose checks read float32 values.
     */
    private boolean[] bf16Values(boolean[] channelsLast) {
        boolean[] out = new boolean[shapes.size()];
        if (kdnn.layers.ExtremeValues.mode() != kdnn.layers.ExtremeValues.FUSED) return out;
        Planner.Node[] producer = new Planner.Node[shapes.size()];
        for (Planner.Node n : nodes) producer[n.output()] = n;
        // a fused residual Add writes into the summed value's buffer: both are stored alike
        int[] group = new int[shapes.size()];
        for (int v = 0; v < group.length; v++) group[v] = v;
        for (Planner.Node n : nodes) {
            if (n.sumInto() >= 0) group[n.output()] = n.sumInto();
        }
        for (int v = 0; v < group.length; v++) while (group[group[v]] != group[v]) group[v] = group[group[v]];
        boolean[] refused = new boolean[shapes.size()];
        for (int v = 0; v < shapes.size(); v++) {
            Planner.Node n = producer[v];
            if (v < inputCount || isOutput(v) || n == null || n.concatInto() >= 0 || !storesBf16(n)) {
                refused[group[v]] = true;
            }
        }
        for (Planner.Node n : nodes) {
            boolean convReader = storesBf16(n);
            for (int v : n.inputs()) {
                // a reader that converts its input to Keras' order first reads float32
                if (!convReader || channelsLast[v] && !readsChannelsLast(n, channelsLast)) refused[group[v]] = true;
            }
        }
        for (int v = 0; v < shapes.size(); v++) out[v] = !refused[group[v]];
        return out;
    }

    private boolean storesBf16(Planner.Node n) {
        return n.inputs().length == 1 && bridge.storesBf16(n.layer(), shapes.get(n.inputs()[0]));
    }

    /**
     * True when {@code n} reads its inputs in the channels-last order they are stored in: a layer
     * with a data format reads either order, an element-wise layer or merge only when it writes
     * channels-last too (it keeps its input's order; a model output or a value for readers of
     * Keras' order is converted before it).
     */
    private boolean readsChannelsLast(Planner.Node n, boolean[] channelsLast) {
        DataFormat f = bridge.variantFormat(n.layer());
        return n.inputs().length > 0 && Arrays.stream(n.inputs()).allMatch(v -> channelsLast[v])
                && (f == DataFormat.CHANNELS_FIRST
                    || f == null && channelsLast[n.output()] && bridge.elementwise(n.layer()) && n.inputs().length == 1
                    || f == null && channelsLast[n.output()] && n.inputs().length > 1
                        && bridge.mergeAcceptsChannelsLast(n.layer(), shapesOf(n.inputs())));
    }

    private static void release(int root, int step, int[] lastUse, int[] bufferOf, List<Integer> free) {
        if (lastUse[root] == step && bufferOf[root] >= 0 && !free.contains(bufferOf[root])) {
            free.add(bufferOf[root]);
            lastUse[root] = Integer.MAX_VALUE; // released once
        }
    }

    private boolean anyReaderTakesChannelsLast(int value) {
        for (Planner.Node n : nodes) {
            boolean reads = Arrays.stream(n.inputs()).anyMatch(v -> v == value);
            if (!reads) continue;
            DataFormat f = bridge.variantFormat(n.layer());
            if (f == DataFormat.CHANNELS_FIRST || f == null && bridge.elementwise(n.layer()) && n.inputs().length == 1
                    || f == null && n.inputs().length > 1 && bridge.mergeAcceptsChannelsLast(n.layer(), shapesOf(n.inputs()))) {
                return true;
            }
        }
        return false;
    }

    private int convert(int v, List<StepPlan.Step> steps, List<String> lines, List<Pipeline> pipelines,
                        Map<Integer, Integer> converted) {
        Integer done = converted.get(v);
        if (done != null) return done;
        int to = newValue(shapes.get(v));
        Pipeline c = Planner.convert(shapes.get(v));
        pipelines.add(c);
        steps.add(new StepPlan.ConvertStep(c, new int[] {v}, to));
        lines.add("convert " + name(v) + " to Keras' order -> " + name(to));
        converted.put(v, to);
        return to;
    }

    private int newValue(long[] shape) {
        shapes.add(shape);
        return shapes.size() - 1;
    }

    private List<long[]> shapesOf(int[] values) {
        List<long[]> l = new ArrayList<>();
        for (int v : values) l.add(shapes.get(v));
        return l;
    }

    private long bytes(int v) {
        long floats = byteCount(shapes.get(v));
        return v < bf16.length && bf16[v] ? floats / 2 : floats;
    }

    static long byteCount(long[] shape) {
        long n = Float.BYTES;
        for (long d : shape) n *= d;
        return n;
    }

    private String name(int v) {
        return v < inputCount ? "input " + v : "v" + v;
    }

    private String names(int[] values) {
        List<String> l = new ArrayList<>();
        for (int v : values) l.add(name(v));
        return String.join(", ", l);
    }
}

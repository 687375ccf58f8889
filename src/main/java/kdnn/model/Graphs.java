package kdnn.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kdnn.internal.LayerBridge;
import kdnn.internal.MaskUse;
import kdnn.internal.plan.GraphSpec;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;

/** Graph walks of a model: the run order of its nodes, shapes through it, its flat form for the planner. */
final class Graphs {
    private Graphs() {
    }

    /**
     * The nodes that compute {@code outputs} from {@code inputs}, each after the nodes it reads.
     * Refuses a graph whose outputs need a tensor the inputs do not give (Keras: "Graph
     * disconnected").
     */
    static List<Node> order(String model, List<KerasTensor> inputs, List<KerasTensor> outputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("model \"" + model + "\" has no inputs");
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("model \"" + model + "\" has no outputs");
        }
        Set<Node> inputNodes = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (KerasTensor t : inputs) {
            if (!(t.node().op() instanceof InputLayer) || t.node().inputs().size() != 0) {
                throw new IllegalArgumentException("model \"" + model + "\": input " + t + " is not an Input tensor"
                        + " (made by KerasTensor.input)");
            }
            if (!inputNodes.add(t.node())) {
                throw new IllegalArgumentException("model \"" + model + "\": the same input " + t.node().name()
                        + " is given twice; all inputs of a model must be unique");
            }
        }
        List<Node> order = new ArrayList<>();
        Set<Node> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> onPath = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<String> accessed = new ArrayList<>();
        for (KerasTensor t : outputs) visit(model, t.node(), inputNodes, done, onPath, order, accessed);
        return List.copyOf(order);
    }

    private static void visit(String model, Node n, Set<Node> inputNodes, Set<Node> done, Set<Node> onPath,
                              List<Node> order, List<String> accessed) {
        if (done.contains(n) || inputNodes.contains(n)) return;
        if (n.op() instanceof InputLayer) {
            throw new IllegalArgumentException("Graph disconnected: cannot obtain value for tensor " + n.outputs().get(0)
                    + " at layer \"" + n.name() + "\" of model \"" + model + "\": it is not one of the model's inputs."
                    + " The following previous layers were accessed without issue: " + accessed);
        }
        if (!onPath.add(n)) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + n.name() + "\" depends on its own"
                    + " output (a cycle)");
        }
        for (KerasTensor in : n.inputs()) visit(model, in.node(), inputNodes, done, onPath, order, accessed);
        onPath.remove(n);
        done.add(n);
        order.add(n);
        accessed.add(n.name());
    }

    /**
     * Keras' {@code model.layers} order (tf.keras 2's {@code _map_graph_network}): layers by depth,
     * the farthest from the outputs first, ties in the order a walk from the outputs first meets
     * them. Summaries and {@code get_weights()} follow it, so kdnn's must too.
     */
    static List<Object> kerasLayerOrder(List<KerasTensor> inputs, List<KerasTensor> outputs) {
        Map<Object, Integer> firstSeen = new IdentityHashMap<>();
        List<Node> postOrder = new ArrayList<>();
        Set<Node> finished = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (KerasTensor t : outputs) walk(t.node(), firstSeen, finished, postOrder);
        Map<Node, Integer> nodeDepth = new IdentityHashMap<>();
        Map<Object, Integer> layerDepth = new IdentityHashMap<>();
        for (int i = postOrder.size() - 1; i >= 0; i--) {
            Node n = postOrder.get(i);
            // as Keras: a shared layer's later-visited node takes the depth its layer already has
            int depth = Math.max(nodeDepth.getOrDefault(n, 0), layerDepth.getOrDefault(n.op(), 0));
            layerDepth.put(n.op(), depth);
            nodeDepth.put(n, depth);
            for (KerasTensor in : n.inputs()) nodeDepth.merge(in.node(), depth + 1, Math::max);
        }
        for (KerasTensor t : inputs) {
            if (!layerDepth.containsKey(t.node().op())) { // an input no output needs
                layerDepth.put(t.node().op(), 0);
                firstSeen.put(t.node().op(), -1);
            }
        }
        List<Object> order = new ArrayList<>(layerDepth.keySet());
        order.sort(java.util.Comparator.<Object>comparingInt(o -> -layerDepth.get(o)).thenComparingInt(firstSeen::get));
        return order;
    }

    private static void walk(Node n, Map<Object, Integer> firstSeen, Set<Node> finished, List<Node> postOrder) {
        if (finished.contains(n)) return;
        firstSeen.putIfAbsent(n.op(), firstSeen.size());
        for (KerasTensor in : n.inputs()) walk(in.node(), firstSeen, finished, postOrder);
        finished.add(n);
        postOrder.add(n);
    }

    /** The output shapes of {@code model} for inputs of these shapes. */
    static List<long[]> outputShapes(Model model, List<long[]> inputShapes) {
        Map<KerasTensor, long[]> shapes = new IdentityHashMap<>();
        for (int i = 0; i < model.inputs().size(); i++) {
            shapes.put(model.inputs().get(i), model.inputs().get(i).node().op() instanceof InputLayer l
                    ? l.computeOutputShape(inputShapes.get(i)) : inputShapes.get(i));
        }
        for (Node n : model.nodes()) {
            List<long[]> in = new ArrayList<>();
            for (KerasTensor t : n.inputs()) in.add(shapes.get(t));
            List<long[]> out;
            try {
                out = n.op() instanceof Layer l ? l.computeOutputShapes(in) : ((Model) n.op()).outputShapes(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model \"" + model.name() + "\": " + Node.describe(n.op(), in) + ": "
                        + e.getMessage(), e);
            }
            for (int i = 0; i < out.size(); i++) shapes.put(n.outputs().get(i), out.get(i));
        }
        return model.outputs().stream().map(shapes::get).toList();
    }

    /**
     * The flat graph of a model: nested models expanded into their layer calls, and Keras' masks
     * as values of their own, computed by the hidden layers that the layers making or merging
     * them give ({@link MaskUse}); a layer that reads a mask gets it as one more input.
     */
    static GraphSpec spec(Model model) {
        List<GraphSpec.Call> calls = new ArrayList<>();
        int inputCount = model.inputs().size();
        Map<KerasTensor, Integer> values = new IdentityHashMap<>();
        for (int i = 0; i < inputCount; i++) values.put(model.inputs().get(i), i);
        List<Layer> givenMasks = new ArrayList<>();
        int[] outs = expand(model, values, new HashMap<>(), givenMasks, calls, inputCount, "");
        return new GraphSpec(model.name(), inputCount, List.copyOf(calls), outs, List.copyOf(givenMasks));
    }

    private static int[] expand(Model model, Map<KerasTensor, Integer> values, Map<Integer, Integer> maskOf,
                                List<Layer> givenMasks, List<GraphSpec.Call> calls, int inputCount, String prefix) {
        for (Node n : model.nodes()) {
            int[] in = new int[n.inputs().size()];
            for (int i = 0; i < in.length; i++) in[i] = values.get(n.inputs().get(i));
            if (n.op() instanceof Layer l) {
                int[] outs = call(l, in, n.outputs().size(), maskOf, givenMasks, calls, inputCount, prefix + l.name());
                for (int i = 0; i < outs.length; i++) values.put(n.outputs().get(i), outs[i]);
            } else {
                Model inner = (Model) n.op();
                Map<KerasTensor, Integer> innerValues = new IdentityHashMap<>();
                for (int i = 0; i < in.length; i++) innerValues.put(inner.inputs().get(i), in[i]);
                int[] outs = expand(inner, innerValues, maskOf, givenMasks, calls, inputCount, prefix + inner.name() + "/");
                for (int i = 0; i < outs.length; i++) values.put(n.outputs().get(i), outs[i]);
            }
        }
        int[] outs = new int[model.outputs().size()];
        for (int i = 0; i < outs.length; i++) outs[i] = values.get(model.outputs().get(i));
        return outs;
    }

    /**
     * Adds the call of {@code layer} on values {@code in} (and its mask's, if any); returns its
     * output values. A layer of several outputs writes them packed, and a hidden part layer per
     * output takes each out; the mask goes with the first.
     */
    private static int[] call(Layer layer, int[] in, int outputs, Map<Integer, Integer> maskOf, List<Layer> givenMasks,
                              List<GraphSpec.Call> calls, int inputCount, String label) {
        int[] masks = new int[in.length];
        boolean[] masked = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            masks[i] = maskOf.getOrDefault(in[i], -1);
            masked[i] = masks[i] >= 0;
            if (masked[i] && !givenMasks.contains(layer)) givenMasks.add(layer);
        }
        MaskUse use = LayerBridge.get().maskUse(layer, masked);
        boolean first = masked.length > 0 && masked[0];
        boolean reads = first && (use.kind() == MaskUse.Kind.READS || use.kind() == MaskUse.Kind.READS_AND_PASSES);
        int[] callInputs = reads ? append(in, masks[0]) : in;
        Layer called = reads ? LayerBridge.get().maskedCall(layer) : layer;
        if (use.kind() == MaskUse.Kind.READS_EACH) {
            for (int m : masks) if (m >= 0) callInputs = append(callInputs, m);
            called = LayerBridge.get().maskedEachCall(layer, masked);
        }
        calls.add(new GraphSpec.Call(called, callInputs, label));
        int out = inputCount + calls.size() - 1;
        int mask = switch (use.kind()) {
            case DROPS, READS -> -1;
            case PASSES, READS_AND_PASSES, READS_EACH -> first ? masks[0] : -1;
            case MAKES -> {
                calls.add(new GraphSpec.Call(use.maskLayer(), in, label + " (mask)"));
                yield inputCount + calls.size() - 1;
            }
            case MERGES -> {
                int[] reading = in;
                for (int m : masks) if (m >= 0) reading = append(reading, m);
                if (reading.length == in.length) yield -1;
                calls.add(new GraphSpec.Call(use.maskLayer(), reading, label + " (mask)"));
                yield inputCount + calls.size() - 1;
            }
        };
        int[] outs = {out};
        if (outputs > 1) {
            outs = new int[outputs];
            int[] partInputs = new int[callInputs.length + 1];
            partInputs[0] = out;
            System.arraycopy(callInputs, 0, partInputs, 1, callInputs.length);
            for (int i = 0; i < outputs; i++) {
                calls.add(new GraphSpec.Call(LayerBridge.get().outputPart(called, i), partInputs, label + " (output " + i + ")"));
                outs[i] = inputCount + calls.size() - 1;
            }
        }
        if (mask >= 0) {
            int carrying = Math.min(outs.length, LayerBridge.get().outputsCarryingMask(layer));
            for (int i = 0; i < carrying; i++) maskOf.put(outs[i], mask);
        }
        return outs;
    }

    private static int[] append(int[] a, int v) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }
}

package kdnn.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;

/**
 * A symbolic tensor, as Keras' {@code KerasTensor}: the output of one call of a layer (a node)
 * on other symbolic tensors, with its shape (batch first, -1 for unknown). Functional models are
 * built from them: {@code Model.of(inputs, outputs)}.
 */
public final class KerasTensor {
    private static final Map<Object, Integer> CALLS = new WeakHashMap<>();

    private final Node node;
    private final int index;
    private final long[] shape;

    KerasTensor(Node node, int index, long[] shape) {
        this.node = node;
        this.index = index;
        this.shape = shape.clone();
    }

    /** The symbolic input of a model: an {@link InputLayer}'s output. */
    public static KerasTensor input(InputLayer layer) {
        Node node = new Node(layer, nextCall(layer), List.of(), List.of(layer.shape()));
        return node.outputs().get(0);
    }

    /** A new input of this shape (batch first, -1 for unknown), as Keras' {@code Input(batch_shape=...)}. */
    public static KerasTensor input(String name, long... batchShape) {
        return input(InputLayer.of(name, batchShape));
    }

    /** The output of calling {@code layer} on {@code inputs}: Keras' {@code layer(inputs)}. */
    public static KerasTensor applied(Layer layer, List<KerasTensor> inputs) {
        List<KerasTensor> outs = appliedAll(layer, inputs);
        if (outs.size() != 1) {
            throw new IllegalArgumentException("layer \"" + layer.name() + "\" (" + layer.className() + ") returns "
                    + outs.size() + " tensors: connect it with applyAll (a Sequential model's layers must return one)");
        }
        return outs.get(0);
    }

    /** All the outputs of calling {@code layer} on {@code inputs} (several for a recurrent layer's return_state). */
    public static List<KerasTensor> appliedAll(Layer layer, List<KerasTensor> inputs) {
        if (layer instanceof InputLayer) {
            throw new IllegalArgumentException("an InputLayer is not called on tensors: use KerasTensor.input");
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("layer \"" + layer.name() + "\" (" + layer.className()
                    + ") must be called on at least one tensor");
        }
        List<long[]> shapes = new ArrayList<>();
        for (KerasTensor t : inputs) shapes.add(t.shape);
        for (KerasTensor t : inputs) {
            if (t.node.op() instanceof InputLayer in && in.integer() && !readsIntegers(layer)) {
                throw new IllegalArgumentException(Node.describe(layer, shapes) + ": its input \"" + in.name() + "\" holds "
                        + in.dtype() + " values, which only an Embedding, a CategoryEncoding, a Rescaling, a Normalization or a cast to float32"
                        + " reads (Keras casts them there; kdnn computes in float32)");
            }
        }
        List<long[]> out;
        try {
            out = layer.computeOutputShapes(shapes);
            long[] build = kdnn.internal.LayerBridge.get().buildShape(layer, shapes);
            if (build != null && !layer.isBuilt()) {
                layer.build(build);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Node.describe(layer, shapes) + ": " + e.getMessage(), e);
        }
        Node node = new Node(layer, nextCall(layer), List.copyOf(inputs), out);
        return node.outputs();
    }

    /** The layers Keras lets read an integer tensor: they cast it to float32 themselves. */
    private static boolean readsIntegers(Layer layer) {
        if (layer instanceof kdnn.layers.SpectralNormalization sn) return readsIntegers(sn.layer());
        return layer instanceof kdnn.layers.Embedding || layer instanceof kdnn.layers.Rescaling
                || layer instanceof kdnn.layers.Normalization || layer instanceof kdnn.layers.Identity
                || layer instanceof kdnn.layers.CategoryEncoding;
    }

    /** The outputs of calling a whole model on {@code inputs} (a nested model). */
    static List<KerasTensor> applied(Model model, List<KerasTensor> inputs) {
        List<long[]> shapes = new ArrayList<>();
        for (KerasTensor t : inputs) shapes.add(t.shape);
        List<long[]> outs = model.outputShapes(shapes);
        Node node = new Node(model, nextCall(model), List.copyOf(inputs), outs);
        return node.outputs();
    }

    /** Keras numbers the calls of a layer (its nodes) from 0; a model's own construction is its node 0. */
    static int nextCall(Object op) {
        synchronized (CALLS) {
            int n = CALLS.getOrDefault(op, op instanceof Model ? 1 : 0);
            CALLS.put(op, n + 1);
            return n;
        }
    }

    /** The shape, batch first (-1: unknown). */
    public long[] shape() {
        return shape.clone();
    }

    Node node() {
        return node;
    }

    int index() {
        return index;
    }

    /** Keras' reference to this tensor: {@code layer_name[node_index][tensor_index]}. */
    String reference() {
        return node.name() + "[" + node.callIndex() + "][" + index + "]";
    }

    @Override
    public String toString() {
        return "KerasTensor(shape=" + Shapes.format(shape) + ", created by " + reference() + ")";
    }
}

package kdnn.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;

/** One call of a layer or of a nested model on symbolic tensors. */
final class Node {
    private final Object op;
    private final int callIndex;
    private final List<KerasTensor> inputs;
    private final List<KerasTensor> outputs;

    Node(Object op, int callIndex, List<KerasTensor> inputs, List<long[]> outputShapes) {
        if (!(op instanceof Layer) && !(op instanceof Model)) {
            throw new IllegalArgumentException("a node is a call of a layer or a model, not " + op);
        }
        this.op = op;
        this.callIndex = callIndex;
        this.inputs = inputs;
        List<KerasTensor> outs = new ArrayList<>();
        for (int i = 0; i < outputShapes.size(); i++) outs.add(new KerasTensor(this, i, outputShapes.get(i)));
        this.outputs = List.copyOf(outs);
    }

    Object op() {
        return op;
    }

    int callIndex() {
        return callIndex;
    }

    List<KerasTensor> inputs() {
        return inputs;
    }

    List<KerasTensor> outputs() {
        return outputs;
    }

    String name() {
        return op instanceof Layer l ? l.name() : ((Model) op).name();
    }

    String className() {
        return op instanceof Layer l ? l.className() : ((Model) op).className();
    }

    /** {@code layer "add_3" (Add) got shapes (None, 14, 14, 64) and (None, 14, 14, 32)}. */
    static String describe(Object op, List<long[]> shapes) {
        String name = op instanceof Layer l ? l.name() : ((Model) op).name();
        String cls = op instanceof Layer l ? l.className() : ((Model) op).className();
        List<String> s = shapes.stream().map(x -> {
            long[] c = x.clone();
            c[0] = -1;
            return Shapes.format(c);
        }).toList();
        String joined = s.size() <= 1 ? String.join("", s)
                : String.join(", ", s.subList(0, s.size() - 1)) + " and " + s.get(s.size() - 1);
        return "layer \"" + name + "\" (" + cls + ") got shape" + (s.size() == 1 ? " " : "s ") + joined;
    }

    @Override
    public String toString() {
        return name() + "[" + callIndex + "](" + inputs.stream().map(KerasTensor::reference)
                .collect(Collectors.joining(", ")) + ")";
    }
}

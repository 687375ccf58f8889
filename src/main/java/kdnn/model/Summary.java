package kdnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;

/** Keras' {@code model.summary()} tables, laid out as tf.keras 2's {@code print_summary}. */
final class Summary {
    private Summary() {
    }

    /** A Sequential model's table: layer, output shape, parameters; 65 characters wide. */
    static String sequential(Sequential model) {
        int[] positions = {29, 55, 65};
        StringBuilder s = header(model, positions, "Layer (type)", "Output Shape", "Param #");
        List<Object> ops = model.ops();
        List<long[]> shapes = model.layerOutputShapes();
        for (int i = 0; i < ops.size(); i++) {
            String row = ops.get(i) instanceof Layer l ? l.name() + " (" + l.className() + ")"
                    : ((Model) ops.get(i)).name() + " (" + ((Model) ops.get(i)).className() + ")";
            long params = ops.get(i) instanceof Layer l ? l.countParams() : ((Model) ops.get(i)).countParams();
            row(s, positions, row, noBatch(shapes.get(i)), Long.toString(params));
            s.append(" ".repeat(65)).append('\n'); // tf.keras 2.12 prints a blank row after every layer, the last too
        }
        return footer(s, model, 65);
    }

    /** A functional model's table, with the "Connected to" column; 98 characters wide. */
    static String functional(Model model) {
        int[] positions = {32, 53, 65, 98};
        StringBuilder s = header(model, positions, "Layer (type)", "Output Shape", "Param #", "Connected to");
        List<Object> layers = model.layerObjects();
        for (int i = 0; i < layers.size(); i++) {
            Object op = layers.get(i);
            List<Node> calls = new ArrayList<>();
            for (KerasTensor t : model.inputs()) if (t.node().op() == op) calls.add(t.node());
            for (Node n : model.nodes()) if (n.op() == op) calls.add(n);
            List<String> connections = new ArrayList<>();
            for (Node n : calls) for (KerasTensor in : n.inputs()) connections.add("'" + in.reference() + "'");
            String name = op instanceof Layer l ? l.name() : ((Model) op).name();
            String cls = op instanceof Layer l ? l.className() : ((Model) op).className();
            long params = op instanceof Layer l ? l.countParams() : ((Model) op).countParams();
            row(s, positions, name + " (" + cls + ")", outputShape(op, calls), Long.toString(params),
                    "[" + String.join(", ", connections) + "]");
            s.append(" ".repeat(98)).append('\n');
        }
        return footer(s, model, 98);
    }

    /** Keras' {@code layer.output_shape}: a list for an InputLayer, "multiple" where calls differ. */
    private static String outputShape(Object op, List<Node> calls) {
        List<String> shapes = new ArrayList<>();
        for (Node n : calls) {
            List<String> outs = n.outputs().stream().map(t -> noBatch(t.shape())).toList();
            shapes.add(outs.size() == 1 && !(op instanceof InputLayer) ? outs.get(0) : "[" + String.join(", ", outs) + "]");
        }
        if (shapes.isEmpty()) return "multiple";
        return shapes.stream().distinct().count() == 1 ? shapes.get(0) : "multiple";
    }

    private static String noBatch(long[] shape) {
        long[] s = shape.clone();
        if (s.length > 0) s[0] = -1;
        return Shapes.format(s);
    }

    private static StringBuilder header(Model model, int[] positions, String... titles) {
        int width = positions[positions.length - 1];
        StringBuilder s = new StringBuilder();
        s.append("Model: \"").append(model.name()).append("\"\n").append("_".repeat(width)).append('\n');
        row(s, positions, titles);
        s.append("=".repeat(width)).append('\n');
        return s;
    }

    private static String footer(StringBuilder s, Model model, int width) {
        s.append("=".repeat(width)).append('\n');
        long total = model.countParams();
        long trainable = model.countTrainableParams();
        s.append(String.format("Total params: %,d%n", total));
        s.append(String.format("Trainable params: %,d%n", trainable));
        s.append(String.format("Non-trainable params: %,d%n", total - trainable));
        s.append("_".repeat(width)).append('\n');
        return s.toString();
    }

    /**
     * One table row as Keras' {@code print_row}: columns end at {@code positions}, two spaces
     * between columns, a leading space, and a cell too long for its column continues on the
     * next line (breaking after "),", "},", "],", "',", as Keras does).
     */
    static void row(StringBuilder s, int[] positions, String... cells) {
        String[] left = cells.clone();
        while (Arrays.stream(left).anyMatch(c -> !c.isEmpty())) {
            StringBuilder line = new StringBuilder();
            for (int col = 0; col < left.length; col++) {
                int start = col == 0 ? 0 : positions[col - 1];
                int space = col == positions.length - 1 ? 0 : 2;
                int cutoff = Math.min(left[col].length(), positions[col] - start - space);
                String fit = left[col].substring(0, cutoff);
                for (String brk : new String[] {"),", "},", "],", "',"}) {
                    int at = fit.indexOf(brk);
                    if (at >= 0) cutoff = Math.min(cutoff, at + brk.length());
                }
                fit = left[col].substring(0, cutoff);
                if (col == 0) line.append(' ');
                line.append(fit).append(" ".repeat(space));
                left[col] = left[col].substring(cutoff);
                line.append(" ".repeat(Math.max(0, positions[col] - line.length())));
            }
            s.append(line).append('\n');
        }
    }
}

package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Einsums;
import kdnn.runtime.Pipeline;

/**
 * {@code einsum(subscripts, x, y)} of two tensors: Keras 3's {@code Einsum} operation, e.g. attention written
 * out by hand ({@code "bqhd,bkhd->bhqk"}, then {@code "bhqk,bkhd->bqhd"}). NumPy's rules: a letter in both
 * operands and the output is a batch axis of the product, in one operand and the output an outer axis, in
 * no output a sum; without {@code ->} the output is the letters that occur once, in alphabetical order.
 * The batch axis stays first in both operands and the output (a call's samples stay apart); a letter
 * twice in one operand (a diagonal) and {@code ...} are refused by name. One oneDNN matmul, with a
 * reorder before it where an operand's axes are not in the product's order and one after it where the
 * output's are not ({@link Einsums#ofTensors}). {@code .keras} only: kdnn neither reads nor writes tf.keras'
 * TFOpLambda of {@code tf.einsum}, whose tensors come after the equation string.
 */
public final class Einsum extends TensorProduct implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Einsum"}. */
    public static final String CLASS_NAME = "Einsum";

    private final String subscripts;
    private final String x;
    private final String y;
    private final String out;

    private Einsum(String name, boolean trainable, String subscripts, String[] parts) {
        super(name, trainable);
        this.subscripts = subscripts;
        this.x = parts[0];
        this.y = parts[1];
        this.out = parts[2];
    }

    /** From the config: {@code subscripts}, the equation of two operands. */
    public static Einsum fromConfig(JsonNode config) {
        ConfigReader r = reader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode s = r.node("subscripts");
        if (!s.isTextual()) throw ConfigReader.bad("subscripts", s, "an einsum equation string such as \"bij,bjk->bik\"");
        r.finish();
        String subscripts = s.asText();
        return new Einsum(name == null ? LayerNames.next("einsum") : name, trainable, subscripts, parse(subscripts));
    }

    /** The operands' and the output's letters, checked as NumPy checks them (and kdnn's own limits). */
    static String[] parse(String subscripts) {
        String eq = subscripts.replace(" ", "");
        if (eq.contains(".")) {
            throw new IllegalArgumentException("Einsum with an ellipsis is not supported by kdnn: name every axis."
                    + " Received: subscripts=" + subscripts);
        }
        int arrow = eq.indexOf("->");
        String left = arrow < 0 ? eq : eq.substring(0, arrow);
        String[] operands = left.split(",", -1);
        if (operands.length != 2) {
            throw new IllegalArgumentException("Einsum of " + operands.length + " operand(s) is not supported by kdnn:"
                    + " it computes einsum of two tensors. Received: subscripts=" + subscripts);
        }
        for (String o : operands) letters(o, subscripts, "an operand");
        String output;
        if (arrow >= 0) {
            output = eq.substring(arrow + 2);
            letters(output, subscripts, "the output");
            for (char c : output.toCharArray()) {
                if ((operands[0] + operands[1]).indexOf(c) < 0) {
                    throw new IllegalArgumentException("einstein sum subscripts string included output subscript '" + c
                            + "' which never appeared in an input. Received: subscripts=" + subscripts);
                }
            }
        } else {
            // NumPy's implicit output: the letters that occur once, in alphabetical (character code) order
            StringBuilder once = new StringBuilder();
            String all = operands[0] + operands[1];
            all.chars().sorted().distinct().forEach(c -> {
                if (all.indexOf(c) == all.lastIndexOf(c)) once.append((char) c);
            });
            output = once.toString();
        }
        return new String[] {operands[0], operands[1], output};
    }

    private static void letters(String spec, String subscripts, String what) {
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                throw new IllegalArgumentException("Einsum: invalid subscript '" + c + "' in " + what + " of subscripts="
                        + subscripts + " (letters a-z and A-Z)");
            }
            if (spec.indexOf(c) != i) {
                throw new IllegalArgumentException("Einsum: " + what + " '" + spec + "' repeats the letter '" + c + "'"
                        + (what.equals("the output") ? "" : " (a diagonal), which kdnn does not compute")
                        + ". Received: subscripts=" + subscripts);
            }
        }
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "einsum";
    }

    /** The equation, as given. */
    public String subscripts() {
        ensureOpen();
        return subscripts;
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        if (shapes.size() != 2) {
            throw new IllegalArgumentException("Einsum \"" + name() + "\" (" + subscripts + ") takes 2 tensors, got "
                    + shapes.size());
        }
        long[] a = shapes.get(0);
        long[] b = shapes.get(1);
        if (a.length != x.length() || b.length != y.length()) {
            throw new IllegalArgumentException("Einsum \"" + name() + "\": subscripts " + subscripts + " name " + x.length()
                    + " and " + y.length() + " axes; the operands have " + a.length + " and " + b.length + ". Received: "
                    + format(shapes));
        }
        if (x.charAt(0) != y.charAt(0) || out.isEmpty() || out.charAt(0) != x.charAt(0)) {
            throw new IllegalArgumentException("Einsum \"" + name() + "\": kdnn keeps the batch axis first in both operands"
                    + " and the output (one letter for it in all three), so a call's samples stay apart; subscripts "
                    + subscripts + " do not");
        }
        long[] result = new long[out.length()];
        for (int i = 0; i < out.length(); i++) result[i] = length(out.charAt(i), a, b, shapes);
        for (char c : (x + y).toCharArray()) length(c, a, b, shapes); // a summed letter's lengths must agree too
        return result;
    }

    /** A letter's length in the operands (-1 where unknown), or the refusal where they differ. */
    private long length(char c, long[] a, long[] b, List<long[]> shapes) {
        int i = x.indexOf(c);
        int j = y.indexOf(c);
        long la = i < 0 ? -1 : a[i];
        long lb = j < 0 ? -1 : b[j];
        if (la >= 0 && lb >= 0 && la != lb) {
            throw new IllegalArgumentException("Einsum \"" + name() + "\": the letter '" + c + "' of subscripts "
                    + subscripts + " has length " + la + " in the first operand and " + lb + " in the second. Received: "
                    + format(shapes));
        }
        return la >= 0 ? la : lb;
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        return Einsums.ofTensors(x, inputs[0], y, inputs[1], out, output);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("subscripts", subscripts);
        return c;
    }
}

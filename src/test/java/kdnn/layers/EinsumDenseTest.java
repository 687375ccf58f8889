package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceEinsum;
import org.junit.jupiter.api.Test;

/**
 * EinsumDense against Keras' einsum written out in double ({@link ReferenceEinsum}) over random
 * equations: batch axes in the kernel, rows, sums (one only the input has), columns, each
 * operand's letters in any order (so the input and output reorders and the bias after the matmul
 * all run), either ellipsis, every bias placement and activations; Keras' shapes and refusals.
 */
class EinsumDenseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'EinsumDense', 'config': " + config + "}")
                .replace('\'', '"')));
    }

    @Test
    void randomEquationsAsKerasComputesThem() throws Exception {
        Random r = new Random(2026);
        String[] activations = {"linear", "relu", "tanh", "softmax", "sigmoid", "gelu", "swish"};
        for (int trial = 0; trial < 60; trial++) {
            // letters: the batch, rows, batch axes of the kernel, sums, columns, one only the input has
            List<Character> pool = new ArrayList<>();
            for (char c = 'a'; c <= 'z'; c++) pool.add(c);
            Collections.shuffle(pool, r);
            int next = 0;
            char batch = pool.get(next++);
            String rows = "", shared = "", sums = "", columns = "", inputOnly = "";
            for (int i = r.nextInt(3); i > 0; i--) rows += pool.get(next++);
            for (int i = r.nextInt(2); i > 0; i--) shared += pool.get(next++);
            for (int i = r.nextInt(3); i > 0; i--) sums += pool.get(next++);
            for (int i = 1 + r.nextInt(2); i > 0; i--) columns += pool.get(next++);
            if (r.nextInt(6) == 0) inputOnly += pool.get(next++);
            String input = batch + shuffled(rows + shared + sums + inputOnly, r);
            String kernel = shuffled(shared + sums + columns, r);
            String output = batch + shuffled(rows + shared + columns, r);
            java.util.Map<Character, Integer> size = new java.util.HashMap<>();
            for (char c : (input + kernel + output).toCharArray()) size.putIfAbsent(c, 1 + r.nextInt(4));
            int n = 1 + r.nextInt(3);
            size.put(batch, n);
            // an ellipsis over the input's leading (batch, a row) or trailing axes, as Keras allows them
            String equation = input + "," + kernel + "->" + output;
            int ellipsis = r.nextInt(4);
            String eqInput = input, eqOutput = output;
            if (ellipsis == 1) {
                eqInput = "..." + input.substring(1);
                eqOutput = "..." + output.substring(1);
            } else if (ellipsis == 2 && rows.length() == 1 && input.length() > 2
                    && input.charAt(input.length() - 1) != rows.charAt(0)) {
                // the row moved to the end of both
                input = input.replace(rows, "") + rows;
                output = output.replace(rows, "") + rows;
                eqInput = input.substring(0, input.length() - 1) + "...";
                eqOutput = output.substring(0, output.length() - 1) + "...";
            }
            if (input.length() - (eqInput.contains("...") ? 1 : 0) < 1) continue;
            equation = eqInput + "," + kernel + "->" + eqOutput;
            // Keras' output_shape: the output's lengths after the batch, the ellipsis' left out; None where the input gives it
            String partialLetters = eqOutput.replace("...", "").substring(eqOutput.startsWith("...") ? 0 : 1);
            StringBuilder partial = new StringBuilder("[");
            for (int i = 0; i < partialLetters.length(); i++) {
                char c = partialLetters.charAt(i);
                if (i > 0) partial.append(", ");
                partial.append(input.indexOf(c) >= 0 && r.nextBoolean() ? "null" : size.get(c));
            }
            partial.append("]");
            String biasAxes = "";
            for (char c : partialLetters.toCharArray()) if (r.nextInt(3) == 0 && c != batch) biasAxes += c;
            String activation = activations[r.nextInt(activations.length)];
            String config = "{'equation': '" + equation + "', 'output_shape': " + partial + ", 'activation': '" + activation
                    + "', 'bias_axes': " + (biasAxes.isEmpty() ? "null" : "'" + biasAxes + "'") + "}";
            int[] inShape = new int[input.length()];
            for (int i = 0; i < inShape.length; i++) inShape[i] = size.get(input.charAt(i));
            int[] outShape = new int[output.length()];
            for (int i = 0; i < outShape.length; i++) outShape[i] = size.get(output.charAt(i));
            try (Layer l = layer(config)) {
                long[] in = new long[inShape.length];
                for (int i = 0; i < in.length; i++) in[i] = inShape[i];
                in[0] = -1;
                l.build(in);
                List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.7);
                float[] x = new float[(int) kdnn.layers.Shapes.product(toLong(inShape))];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                RefArray bias = ws.size() > 1 ? new RefArray(ws.get(1).shape(), ws.get(1).values()) : null;
                RefArray want = ReferenceEinsum.apply(input, new RefArray(inShape, x), kernel,
                        new RefArray(ws.get(0).shape(), ws.get(0).values()), output, outShape, bias, activation);
                try (Tensor t = Tensor.of(x, toLong(inShape)); Tensor y = l.call(t)) {
                    assertArrayEquals(toLong(outShape), y.shape(), config);
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want.data()[i], got[i], 2e-5 + 2e-5 * Math.abs(want.data()[i]), config + " at " + i);
                    }
                }
                try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                    assertEquals(Layers.toConfig(l), Layers.toConfig(back));
                }
            }
        }
    }

    private static String shuffled(String s, Random r) {
        List<Character> c = new ArrayList<>();
        for (char ch : s.toCharArray()) c.add(ch);
        Collections.shuffle(c, r);
        StringBuilder b = new StringBuilder();
        c.forEach(b::append);
        return b.toString();
    }

    /**
     * An axis of unknown length (None) passes through to the output, as Keras allows: one layer
     * serves every sequence length; an unknown axis the kernel or bias would need is refused by name.
     */
    @Test
    void anUnknownAxisPassesThrough() throws Exception {
        Random r = new Random(41);
        try (Layer l = layer("{'equation': 'abc,cd->abd', 'output_shape': [null, 4], 'bias_axes': 'd',"
                + " 'activation': 'tanh'}")) {
            assertArrayEquals(new long[] {-1, -1, 4}, l.computeOutputShape(new long[] {-1, -1, 3}));
            l.build(new long[] {-1, -1, 3});
            List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.7);
            for (int steps : new int[] {5, 2, 7}) {
                int[] shape = {2, steps, 3};
                float[] x = new float[2 * steps * 3];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                RefArray want = ReferenceEinsum.apply("abc", new RefArray(shape, x), "cd",
                        new RefArray(ws.get(0).shape(), ws.get(0).values()), "abd", new int[] {2, steps, 4},
                        new RefArray(ws.get(1).shape(), ws.get(1).values()), "tanh");
                try (Tensor t = Tensor.of(x, 2, steps, 3); Tensor y = l.call(t)) {
                    assertArrayEquals(new long[] {2, steps, 4}, y.shape());
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) assertEquals(want.data()[i], got[i], 2e-5, "steps " + steps);
                }
            }
        }
        try (Layer l = layer("{'equation': 'abc,bd->adc', 'output_shape': [4, 3]}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, -1, 3}));
            assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        }
    }

    private static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    @Test
    void kerasShapes() throws Exception {
        // Keras' docstring examples: their kernel, bias and output shapes
        Object[][] cases = {
            {"{'equation': 'ab,bc->ac', 'output_shape': 64, 'bias_axes': 'c'}", new long[] {-1, 32},
                new int[] {32, 64}, new int[] {64}, new long[] {-1, 64}},
            {"{'equation': 'abc,cd->abd', 'output_shape': [null, 64], 'bias_axes': 'd'}", new long[] {-1, 32, 128},
                new int[] {128, 64}, new int[] {64}, new long[] {-1, 32, 64}},
            {"{'equation': '...b,bc->...c', 'output_shape': 64, 'bias_axes': 'c'}", new long[] {-1, 32, 128},
                new int[] {128, 64}, new int[] {64}, new long[] {-1, 32, 64}},
            {"{'equation': 'abc,cde->abde', 'output_shape': [null, 4, 16], 'bias_axes': 'de'}", new long[] {-1, 10, 64},
                new int[] {64, 4, 16}, new int[] {4, 16}, new long[] {-1, 10, 4, 16}},
            {"{'equation': 'ab...,bc->ac...', 'output_shape': [7], 'bias_axes': 'c'}", new long[] {-1, 3, 5},
                new int[] {3, 7}, new int[] {7, 1}, new long[] {-1, 7, 5}},
            {"{'equation': 'abc,cd->abd', 'output_shape': [null, 3], 'bias_axes': 'bd'}", new long[] {-1, 4, 2},
                new int[] {2, 3}, new int[] {4, 3}, new long[] {-1, 4, 3}}};
        for (Object[] c : cases) {
            try (Layer l = layer((String) c[0])) {
                assertArrayEquals((long[]) c[4], l.computeOutputShape((long[]) c[1]), (String) c[0]);
                l.build((long[]) c[1]);
                assertArrayEquals((int[]) c[2], l.getWeights().get(0).shape(), (String) c[0]);
                assertArrayEquals((int[]) c[3], l.getWeights().get(1).shape(), (String) c[0]);
            }
        }
    }

    @Test
    void refusedAsKerasRefuses() throws Exception {
        String[][] cases = {{"{'output_shape': 3}", "`equation`"},
            {"{'equation': 'ab,bc->ac'}", "`output_shape`"},
            {"{'equation': 'ab->b', 'output_shape': 3}", "Invalid einsum equation"},
            {"{'equation': 'ab,bc->ac', 'output_shape': 3, 'bias_axes': 'x'}", "Bias dimension 'x'"},
            {"{'equation': 'aab,bc->ac', 'output_shape': 3}", "repeats a letter"},
            {"{'equation': 'ab,bc->ac', 'output_shape': 3, 'quantization_config': {'mode': 'int8'}}", "quantization_config"},
            {"{'equation': 'ab,bc->ac', 'output_shape': 0}", "output_shape"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        String[][] shapes = {{"{'equation': 'ab,bc->ac', 'output_shape': 3}", "rank 2"},
            {"{'equation': 'abe,ecd->abcd', 'output_shape': [null, 3, null]}", "needs a known length"},
            {"{'equation': 'abc,cd->abd', 'output_shape': [5, 3]}", "do not match at shared dimension 'b'"},
            {"{'equation': 'abc,cd->abe', 'output_shape': [4, 2]}", "Dimension 'e' was specified in the output"},
            {"{'equation': 'abc,cdx->abd', 'output_shape': [4, 3]}", "Weight dimension 'x'"}};
        for (String[] c : shapes) {
            try (Layer l = layer(c[0])) {
                var e = assertThrows(IllegalArgumentException.class, () -> l.build(-1, 4, 2), c[0]);
                assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            }
        }
        // a built layer refuses an input its kernel does not fit
        try (Layer l = layer("{'equation': 'ab,bc->ac', 'output_shape': 3}")) {
            l.build(-1, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {2, 5}));
            assertTrue(e.getMessage().contains("kernel"), e.getMessage());
        }
    }

    /** Keras' mode of extreme values: a NaN reaching a relu stays NaN, as Keras computes it. */
    @Test
    void aNanThroughReluStaysNan() throws Exception {
        try (Layer l = layer("{'equation': 'abc,cd->abd', 'output_shape': [null, 2], 'activation': 'relu'}")) {
            l.setExtremes(ExtremeValues.KERAS);
            l.build(-1, 2, 3);
            l.setWeights(List.of(new Weight("kernel", new int[] {3, 2}, new float[] {-1, 1, -1, 1, -1, 1})));
            try (Tensor x = Tensor.of(new float[] {Float.NaN, 0, 0, 1, 1, 1}, 1, 2, 3); Tensor y = l.call(x)) {
                float[] v = y.toFloatArray();
                assertTrue(Float.isNaN(v[0]) && Float.isNaN(v[1]), java.util.Arrays.toString(v));
                assertEquals(0f, v[2]);
                assertEquals(3f, v[3]);
            }
        }
    }
}

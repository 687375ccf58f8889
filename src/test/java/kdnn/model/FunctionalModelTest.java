package kdnn.model;

import static kdnn.model.GraphReference.assertClose;
import static kdnn.model.GraphReference.layer;
import static kdnn.model.GraphReference.random;
import static kdnn.model.GraphReference.randomizeWeights;
import static kdnn.model.GraphReference.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.Add;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Concatenate;
import kdnn.layers.Conv2D;
import kdnn.layers.Dense;
import kdnn.layers.GlobalAveragePooling2D;
import kdnn.layers.Layer;
import kdnn.layers.MaxPooling2D;
import kdnn.layers.Multiply;
import kdnn.layers.Padding;
import kdnn.layers.Subtract;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.Test;

/** Functional models built from Java, each output checked against the reference computed by hand. */
class FunctionalModelTest {
    private static final double TOL = 1e-5;

    /** Two inputs and two outputs given in an order other than the one they were made in. */
    private static final class TwoHeads implements AutoCloseable {
        final Conv2D shared = Conv2D.builder(4, 3).name("shared").padding(Padding.SAME).activation(Activation.RELU).build();
        final MaxPooling2D pool = MaxPooling2D.builder().name("pool").poolSize(2).build();
        final GlobalAveragePooling2D gapA = GlobalAveragePooling2D.builder().name("gap_a").build();
        final GlobalAveragePooling2D gapB = GlobalAveragePooling2D.builder().name("gap_b").build();
        final Concatenate concat = Concatenate.of("concat", -1);
        final Dense head = Dense.builder(3).name("head").activation(Activation.TANH).build();
        final Functional model;

        TwoHeads() {
            KerasTensor a = KerasTensor.input("a", -1, 8, 8, 3);
            KerasTensor b = KerasTensor.input("b", -1, 6, 6, 3);
            KerasTensor sa = pool.apply(shared.apply(a));
            KerasTensor sb = shared.apply(b);
            KerasTensor ga = gapA.apply(sa);
            KerasTensor gb = gapB.apply(sb);
            KerasTensor y = head.apply(concat.apply(ga, gb));
            // inputs b, a and outputs gap_b, head: Keras keeps the order given, not the order made
            model = Functional.of("two_heads", List.of(b, a), List.of(gb, y));
            randomizeWeights(shared, 1);
            randomizeWeights(head, 2);
        }

        /** [gap_b, head] for inputs (b, a), by the reference. */
        List<RefArray> expected(RefArray b, RefArray a) {
            RefArray ga = layer(gapA, layer(pool, layer(shared, a)));
            RefArray gb = layer(gapB, layer(shared, b));
            return List.of(gb, layer(head, GraphReference.concatenate(-1, ga, gb)));
        }

        @Override
        public void close() {
            model.close();
        }
    }

    @Test
    void severalInputsAndOutputsKeepKerasOrderInEveryFormOfPredict() {
        try (TwoHeads m = new TwoHeads()) {
            Functional f = m.model;
            assertEquals(List.of("b", "a"), f.inputNames());
            assertEquals(List.of("gap_b", "head"), f.outputNames());
            RefArray a = random(10, 2, 8, 8, 3);
            RefArray b = random(11, 2, 6, 6, 3);
            List<RefArray> want = m.expected(b, a);
            try (Tensor ta = tensor(a); Tensor tb = tensor(b)) {
                List<Tensor> out = f.predict(List.of(tb, ta));
                try {
                    assertEquals(2, out.size());
                    assertClose(want.get(0), out.get(0), TOL);
                    assertClose(want.get(1), out.get(1), TOL);
                } finally {
                    out.forEach(Tensor::close);
                }
                Map<String, Tensor> named = f.predict(Map.of("a", ta, "b", tb));
                try {
                    assertEquals(List.of("gap_b", "head"), List.copyOf(named.keySet()));
                    assertClose(want.get(0), named.get("gap_b"), TOL);
                    assertClose(want.get(1), named.get("head"), TOL);
                } finally {
                    named.values().forEach(Tensor::close);
                }
                try (Tensor o0 = Tensor.zeros(2, 4); Tensor o1 = Tensor.zeros(2, 3)) {
                    var address0 = o0.segment().address();
                    f.predict(List.of(tb, ta), List.of(o0, o1));
                    assertClose(want.get(0), o0, TOL);
                    assertClose(want.get(1), o1, TOL);
                    assertEquals(address0, o0.segment().address());
                }
            }
        }
    }

    @Test
    void predictIntoCallerOutputsAllocatesNoOutputs() {
        try (TwoHeads m = new TwoHeads(); Tensor ta = tensor(random(1, 1, 8, 8, 3)); Tensor tb = tensor(random(2, 1, 6, 6, 3));
             Tensor o0 = Tensor.zeros(1, 4); Tensor o1 = Tensor.zeros(1, 3)) {
            List<Tensor> in = List.of(tb, ta);
            List<Tensor> out = List.of(o0, o1);
            for (int i = 0; i < 50; i++) m.model.predict(in, out);
            long into = allocatedPerCall(() -> m.model.predict(in, out));
            long fresh = allocatedPerCall(() -> m.model.predict(in).forEach(Tensor::close));
            // no output tensors made: less than a call that makes them, and a small bounded amount
            // (about 2.2 KB of short-lived Java objects per call here; outputs and workspaces are native)
            assertTrue(into < fresh && into < 4096, "bytes per call: into outputs " + into + ", new outputs " + fresh);
        }
    }

    private static long allocatedPerCall(Runnable call) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200; i++) call.run();
        return (threads.getThreadAllocatedBytes(id) - before) / 200;
    }

    @Test
    void aSharedLayerHasOneSetOfWeightsForAllItsCalls() {
        try (TwoHeads m = new TwoHeads(); Tensor ta = tensor(random(3, 1, 8, 8, 3)); Tensor tb = tensor(random(4, 1, 6, 6, 3))) {
            assertEquals(1, m.model.allLayers().stream().filter(l -> l == m.shared).count());
            // conv 3*3*3*4+4 and dense 8*3+3, each once
            assertEquals(112 + 27, m.model.countParams());
            List<Tensor> before = m.model.predict(List.of(tb, ta));
            randomizeWeights(m.shared, 99);
            List<Tensor> after = m.model.predict(List.of(tb, ta));
            try {
                List<RefArray> want = m.expected(GraphReference.random(4, 1, 6, 6, 3), GraphReference.random(3, 1, 8, 8, 3));
                assertClose(want.get(0), after.get(0), TOL);
                assertClose(want.get(1), after.get(1), TOL);
                // both calls changed: the branch of b alone (output 0) and the head that also reads a's branch
                assertFalse(java.util.Arrays.equals(before.get(0).toFloatArray(), after.get(0).toFloatArray()));
                assertFalse(java.util.Arrays.equals(before.get(1).toFloatArray(), after.get(1).toFloatArray()));
            } finally {
                before.forEach(Tensor::close);
                after.forEach(Tensor::close);
            }
        }
    }

    @Test
    void nestedFunctionalAndSequentialModelsRunAsLayers() {
        // inner functional: a residual block; inner sequential: conv then batch normalization
        Conv2D innerConv = Conv2D.builder(3, 3).name("inner_conv").padding(Padding.SAME).build();
        KerasTensor ix = KerasTensor.input("inner_in", -1, 7, 7, 3);
        Add innerAdd = Add.of("inner_add");
        Functional block = Functional.of("block", List.of(ix), List.of(innerAdd.apply(innerConv.apply(ix), ix)));
        Conv2D seqConv = Conv2D.builder(5, 2).name("seq_conv").build();
        BatchNormalization seqBn = BatchNormalization.builder().name("seq_bn").build();
        Sequential stack = Sequential.of("stack", List.of(seqConv, seqBn), -1, 7, 7, 3);
        Subtract sub = Subtract.of("sub");
        Conv2D side = Conv2D.builder(5, 2).name("side").build();
        Multiply mul = Multiply.of("mul");

        KerasTensor x = KerasTensor.input("x", -1, 7, 7, 3);
        KerasTensor once = block.apply(x).get(0);
        KerasTensor twice = block.apply(once).get(0); // the nested model shared: called twice
        KerasTensor s = stack.apply(twice).get(0);
        KerasTensor y = mul.apply(sub.apply(s, side.apply(x)), s);
        for (Layer l : List.of(innerConv, seqConv, seqBn, side)) randomizeWeights(l, l.name().hashCode());
        try (Functional outer = Functional.of("outer", List.of(x), List.of(y, once))) {
            assertEquals(List.of("x", "block", "stack", "side", "sub", "mul"),
                    outer.layerObjects().stream().map(o -> o instanceof Layer l ? l.name() : ((Model) o).name()).toList());
            RefArray in = random(20, 2, 7, 7, 3);
            RefArray o1 = GraphReference.add(layer(innerConv, in), in);
            RefArray o2 = GraphReference.add(layer(innerConv, o1), o1);
            RefArray sv = layer(seqBn, layer(seqConv, o2));
            RefArray want = GraphReference.multiply(GraphReference.subtract(sv, layer(side, in)), sv);
            try (Tensor t = tensor(in)) {
                List<Tensor> out = outer.predict(List.of(t));
                try {
                    assertClose(want, out.get(0), TOL);
                    assertClose(o1, out.get(1), TOL);
                } finally {
                    out.forEach(Tensor::close);
                }
            }
            // one set of weights: the inner layers appear once
            assertEquals(List.of("x", "inner_conv", "inner_add", "seq_conv", "seq_bn", "side", "sub", "mul"),
                    outer.layers().stream().map(Layer::name).toList());
        }
        assertTrue(innerConv.isClosed() && seqBn.isClosed() && block.isClosed() && stack.isClosed(),
                "closing the outer model closes the nested ones");
    }

    @Test
    void theSameTensorMayBeBothOutputsAndAnOutputMayBeAnInput() {
        Conv2D conv = Conv2D.builder(2, 1).name("c").build();
        KerasTensor x = KerasTensor.input("x", -1, 3, 3, 2);
        KerasTensor y = conv.apply(x);
        randomizeWeights(conv, 5);
        try (Functional f = Functional.of("dup", List.of(x), List.of(y, y, x)); Tensor in = tensor(random(6, 1, 3, 3, 2))) {
            List<Tensor> out = f.predict(List.of(in));
            try {
                RefArray want = layer(conv, random(6, 1, 3, 3, 2));
                assertClose(want, out.get(0), TOL);
                assertClose(want, out.get(1), TOL);
                assertClose(random(6, 1, 3, 3, 2), out.get(2), 0);
                assertTrue(out.get(0) != out.get(1));
            } finally {
                out.forEach(Tensor::close);
            }
            Map<String, Tensor> named = f.predict(Map.of("x", in));
            assertEquals(List.of("c", "c_1", "x"), List.copyOf(named.keySet()));
            named.values().forEach(Tensor::close);
        }
    }

    @Test
    void summaryIsTfKeras212sFunctionalTable() {
        Conv2D conv = Conv2D.builder(4, 3).name("conv").padding(Padding.SAME).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        GlobalAveragePooling2D gapA = GlobalAveragePooling2D.builder().name("gap_a").build();
        GlobalAveragePooling2D gapB = GlobalAveragePooling2D.builder().name("gap_b").build();
        KerasTensor a = KerasTensor.input("a", -1, 32, 32, 3);
        KerasTensor b = KerasTensor.input("b", -1, 6, 6, 3);
        KerasTensor y = Add.of("add").apply(gapA.apply(bn.apply(conv.apply(a))), gapB.apply(conv.apply(b)));
        try (Functional f = Functional.of("small", List.of(a, b), List.of(y))) {
            // tf.keras 2.12: layers by depth from the inputs (b is nearer the output than a), a blank row after each
            String blank = " ".repeat(98) + "\n";
            String want = "Model: \"small\"\n"
                    + "_".repeat(98) + "\n"
                    + " Layer (type)                   Output Shape         Param #     Connected to                     \n"
                    + "=".repeat(98) + "\n"
                    + " a (InputLayer)                 [(None, 32, 32, 3)]  0           []                               \n"
                    + blank
                    + " conv (Conv2D)                  multiple             112         ['a[0][0]',                      \n"
                    + "                                                                  'b[0][0]']                      \n"
                    + blank
                    + " b (InputLayer)                 [(None, 6, 6, 3)]    0           []                               \n"
                    + blank
                    + " bn (BatchNormalization)        (None, 32, 32, 4)    16          ['conv[0][0]']                   \n"
                    + blank
                    + " gap_a (GlobalAveragePooling2D)  (None, 4)           0           ['bn[0][0]']                     \n"
                    + blank
                    + " gap_b (GlobalAveragePooling2D)  (None, 4)           0           ['conv[1][0]']                   \n"
                    + blank
                    + " add (Add)                      (None, 4)            0           ['gap_a[0][0]',                  \n"
                    + "                                                                  'gap_b[0][0]']                  \n"
                    + blank
                    + "=".repeat(98) + "\n"
                    + "Total params: 128\n"
                    + "Trainable params: 120\n"
                    + "Non-trainable params: 8\n"
                    + "_".repeat(98) + "\n";
            assertEquals(want, f.summary());
        }
    }

    @Test
    void closingTheModelClosesEveryLayerOnceAndRefusesUseAfterwards() {
        TwoHeads m = new TwoHeads();
        List<Layer> layers = new ArrayList<>(m.model.allLayers());
        m.close();
        m.close();
        for (Layer l : layers) assertTrue(l.isClosed(), l.name());
        try (Tensor t = Tensor.zeros(1, 6, 6, 3)) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> m.model.predict(List.of(t, t)));
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, m.model::summary);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> m.model.plan());
        assertSame(m.model, m.model); // names stay readable after close
        assertEquals("two_heads", m.model.name());
    }
}

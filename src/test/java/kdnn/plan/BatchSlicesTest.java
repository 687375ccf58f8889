package kdnn.plan;

import static kdnn.model.GraphReference.add;
import static kdnn.model.GraphReference.assertConcurrentPredictions;
import static kdnn.model.GraphReference.assertClose;
import static kdnn.model.GraphReference.layer;
import static kdnn.model.GraphReference.random;
import static kdnn.model.GraphReference.randomizeWeights;
import static kdnn.model.GraphReference.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.ActivationLayer;
import kdnn.layers.Add;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Conv2D;
import kdnn.layers.Dense;
import kdnn.layers.Padding;
import kdnn.layers.ReLU;
import kdnn.layers.Softmax;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.model.Model;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.Test;

/**
 * A batch run in slices ({@code Model.setBatchSlice}) gives what the whole batch gives: sample
 * for sample what a batch of one gives, and never slices a model whose layer mixes samples.
 */
class BatchSlicesTest {
    private static final long[] SHAPE = {5, 6, 6, 3};

    /** conv -> BN -> ReLU -> conv, added to the ReLU's output: folds, a fused activation and a residual sum. */
    private static Functional residual() {
        Conv2D a = Conv2D.builder(4, 3).name("a").padding(Padding.SAME).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        ReLU relu = ReLU.builder().name("relu").build();
        Conv2D b = Conv2D.builder(4, 3).name("b").padding(Padding.SAME).build();
        KerasTensor x = KerasTensor.input("x", -1, 6, 6, 3);
        KerasTensor r = relu.apply(bn.apply(a.apply(x)));
        Functional m = Functional.of("residual", List.of(x), List.of(Add.of("sum").apply(r, b.apply(r))));
        for (var l : List.of(a, bn, b)) randomizeWeights(l, l.name().hashCode());
        return m;
    }

    private static RefArray reference(Model m, RefArray in) {
        RefArray r = layer(m.layer("relu"), layer(m.layer("bn"), layer(m.layer("a"), in)));
        return add(r, layer(m.layer("b"), r));
    }

    @Test
    void slicesGiveTheWholeBatchsOutputAndTheReferences() {
        RefArray in = random(7, 5, 6, 6, 3);
        try (Functional m = residual(); Tensor x = tensor(in)) {
            m.setBatchSlice(Integer.MAX_VALUE);
            String wholePlan = m.plan(SHAPE);
            assertFalse(wholePlan.contains("slice"), wholePlan);
            Model.WorkspaceUse whole = m.workspaceUse(SHAPE);
            float[] once;
            try (Tensor y = m.predict(x)) {
                once = y.toFloatArray();
            }
            m.setBatchSlice(2);
            String plan = m.plan(SHAPE);
            assertTrue(plan.startsWith("batch 5 in 2 slices of 2 and one of 1"), plan);
            assertTrue(plan.contains("a + bn folded into kernel and bias + relu fused as its activation"), plan);
            Model.WorkspaceUse sliced = m.workspaceUse(SHAPE);
            assertEquals(whole.intermediateBytes(), sliced.intermediateBytes());
            assertTrue(sliced.workspaceBytes() < whole.workspaceBytes(), sliced + " against " + whole);
            try (Tensor y = m.predict(x)) {
                assertClose(reference(m, in), y, 1e-4);
                assertClose(once, y.toFloatArray(), 1e-5);
            }
        }
    }

    @Test
    void aChannelsFirstModelSlicesAsItsLayoutConversionsAllow() {
        Conv2D a = Conv2D.builder(4, 3).name("a").padding(Padding.SAME).dataFormat(kdnn.layers.DataFormat.CHANNELS_FIRST)
                .build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").axis(1).build();
        Conv2D b = Conv2D.builder(2, 3).name("b").dataFormat(kdnn.layers.DataFormat.CHANNELS_FIRST).build();
        KerasTensor x = KerasTensor.input("x", -1, 3, 6, 5);
        try (Functional m = Functional.of("cf", List.of(x), List.of(b.apply(bn.apply(a.apply(x)))))) {
            for (var l : List.of(a, bn, b)) randomizeWeights(l, l.name().hashCode());
            RefArray in = random(12, 5, 3, 6, 5);
            try (Tensor xt = tensor(in)) {
                m.setBatchSlice(Integer.MAX_VALUE);
                float[] whole;
                try (Tensor y = m.predict(xt)) {
                    whole = y.toFloatArray();
                }
                m.setBatchSlice(2);
                long[] shape = {5, 3, 6, 5};
                assertTrue(m.plan(shape).startsWith("batch 5 in 2 slices of 2 and one of 1"), m.plan(shape));
                try (Tensor y = m.predict(xt)) {
                    assertClose(layer(b, layer(bn, layer(a, in))), y, 1e-4);
                    assertClose(whole, y.toFloatArray(), 1e-5);
                }
            }
        }
    }

    @Test
    void slicesOfOneAreBitwiseWhatEachSampleGivesAlone() {
        RefArray in = random(8, 5, 6, 6, 3);
        int sample = 6 * 6 * 3;
        try (Functional m = residual(); Tensor x = tensor(in)) {
            m.setBatchSlice(1);
            assertTrue(m.plan(SHAPE).startsWith("batch 5 in 5 slices of 1,"), m.plan(SHAPE));
            float[] all;
            try (Tensor y = m.predict(x)) {
                all = y.toFloatArray();
            }
            int out = all.length / 5;
            for (int i = 0; i < 5; i++) {
                float[] one = Arrays.copyOfRange(in.data(), i * sample, (i + 1) * sample);
                try (Tensor xi = Tensor.of(one, 1, 6, 6, 3); Tensor yi = m.predict(xi)) {
                    assertArrayEquals(yi.toFloatArray(), Arrays.copyOfRange(all, i * out, (i + 1) * out), "sample " + i);
                }
            }
        }
    }

    @Test
    void concurrentSlicedPredictionsAgreeBitwise() throws Exception {
        RefArray in = random(9, 5, 6, 6, 3);
        try (Functional m = residual(); Tensor x = tensor(in)) {
            m.setBatchSlice(2);
            float[] want;
            try (Tensor y = m.predict(x)) {
                want = y.toFloatArray();
            }
            assertConcurrentPredictions(m, x, want, 4, 20);
        }
    }

    @Test
    void aSoftmaxOverTheBatchAxisKeepsTheBatchWhole() {
        Dense dense = Dense.builder(3).name("dense").build();
        Softmax softmax = Softmax.builder().name("softmax").axis(0).build();
        KerasTensor x = KerasTensor.input("x", -1, 4);
        try (Functional m = Functional.of("batch_softmax", List.of(x), List.of(softmax.apply(dense.apply(x))))) {
            randomizeWeights(dense, 3);
            m.setBatchSlice(1);
            assertFalse(m.plan(new long[] {6, 4}).contains("slice"), m.plan(new long[] {6, 4}));
            RefArray in = random(10, 6, 4);
            RefArray d = layer(dense, in);
            float[] want = new float[d.data().length];
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int n = 0; n < 6; n++) sum += Math.exp(d.data()[n * 3 + c]);
                for (int n = 0; n < 6; n++) want[n * 3 + c] = (float) (Math.exp(d.data()[n * 3 + c]) / sum);
            }
            try (Tensor xt = tensor(in); Tensor y = m.predict(xt)) {
                assertClose(want, y.toFloatArray(), 1e-5);
            }
        }
    }

    @Test
    void aLogSoftmaxOfARankOneValueKeepsTheBatchWhole() {
        ActivationLayer logSoftmax = ActivationLayer.builder(Activation.LOG_SOFTMAX).name("log_softmax").build();
        KerasTensor x = KerasTensor.input("x", -1);
        try (Functional m = Functional.of("batch_log_softmax", List.of(x), List.of(logSoftmax.apply(x)))) {
            m.setBatchSlice(1);
            assertFalse(m.plan(new long[] {6}).contains("slice"), m.plan(new long[] {6}));
            RefArray in = random(11, 6);
            try (Tensor xt = tensor(in); Tensor y = m.predict(xt)) {
                assertClose(layer(logSoftmax, in), y, 1e-5);
            }
        }
    }

    @Test
    void aNegativeSliceIsRefusedWithTheValue() {
        try (Functional m = residual()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.setBatchSlice(-1));
            assertTrue(e.getMessage().contains("got -1"), e.getMessage());
        }
    }
}

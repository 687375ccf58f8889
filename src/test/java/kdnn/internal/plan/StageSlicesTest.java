package kdnn.internal.plan;

import static kdnn.model.GraphReference.add;
import static kdnn.model.GraphReference.assertConcurrentPredictions;
import static kdnn.model.GraphReference.assertClose;
import static kdnn.model.GraphReference.layer;
import static kdnn.model.GraphReference.random;
import static kdnn.model.GraphReference.randomizeWeights;
import static kdnn.model.GraphReference.tensor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.Add;
import kdnn.layers.Conv2D;
import kdnn.layers.Dense;
import kdnn.layers.Flatten;
import kdnn.layers.Layer;
import kdnn.layers.MaxPooling2D;
import kdnn.layers.Padding;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch planned in stages, each in slices of its own size ({@link StageSlices}): where the
 * model is cut, which sizes its stages get, and that the results are the whole batch's and the
 * reference's, from any number of callers at once. The tests plan for a cache of 100 KB.
 */
class StageSlicesTest {
    private static final long[] SHAPE = {8, 32, 32, 8};

    @AfterEach
    void theCPUsCacheAgain() {
        SliceSize.stageCacheForTests(0);
    }

    /**
     * A conv of 96 KB a sample (one fits 100 KB), a pool, a conv of 32 KB (three fit), then Dense
     * layers whose 1 MB of weights no slicing pays for: stages of 1, 2 and 8 samples.
     */
    private static Functional convThenDense(Layer... layers) {
        KerasTensor x = KerasTensor.input("x", -1, 32, 32, 8);
        KerasTensor y = x;
        for (Layer l : layers) y = l.apply(y);
        Functional m = Functional.of("conv_then_dense", List.of(x), List.of(y));
        for (Layer l : layers) randomizeWeights(l, l.name().hashCode());
        return m;
    }

    private static Layer[] layers() {
        return new Layer[] {
            Conv2D.builder(16, 3).name("c1").padding(Padding.SAME).activation(Activation.RELU).build(),
            MaxPooling2D.builder().name("pool").poolSize(2).build(),
            Conv2D.builder(16, 3).name("c2").padding(Padding.SAME).activation(Activation.RELU).build(),
            Flatten.builder().name("flat").build(),
            Dense.builder(64).name("d1").activation(Activation.RELU).build(),
            Dense.builder(10).name("d2").activation(Activation.SOFTMAX).build()};
    }

    private static RefArray reference(Layer[] layers, RefArray in) {
        RefArray y = in;
        for (Layer l : layers) y = layer(l, y);
        return y;
    }

    @Test
    void eachStageGetsTheSliceItsCacheShareAndWeightsAllowAndTheResultsAreTheWholeBatchs() {
        SliceSize.stageCacheForTests(100 * 1024);
        Layer[] layers = layers();
        RefArray in = random(21, 8, 32, 32, 8);
        try (Functional m = convThenDense(layers); Tensor x = tensor(in)) {
            m.setBatchSlice(Integer.MAX_VALUE);
            float[] whole;
            try (Tensor y = m.predict(x)) {
                whole = y.toFloatArray();
            }
            m.setBatchSlice(0);
            String plan = m.plan(SHAPE);
            assertTrue(plan.startsWith("batch 8 in 3 stages, each in slices of its own size (1, 2, 8)"), plan);
            assertTrue(plan.contains("stage 1:\nbatch 8 in 8 slices of 1") && plan.contains("stage 2:\nbatch 8 in 4 slices of 2"),
                    plan);
            try (Tensor y = m.predict(x)) {
                assertClose(reference(layers, in), y, 1e-4);
                assertClose(whole, y.toFloatArray(), 1e-5);
            }
            // the two boundary buffers and each stage's workspace, far under the batch's values
            var use = m.workspaceUse(SHAPE);
            assertTrue(use.workspaceBytes() > 2 * 8 * 16 * 16 * 16 * 4 && use.workspaceBytes() < use.intermediateBytes(),
                    use.toString());
        }
    }

    @Test
    void oneSizeForAllIsOnePlanAsBefore() {
        SliceSize.stageCacheForTests(64L << 20); // every step fits whole: no slices, no stages
        try (Functional m = convThenDense(layers())) {
            String plan = m.plan(SHAPE);
            assertFalse(plan.contains("stages") || plan.contains("slices"), plan);
        }
    }

    @Test
    void aChannelsFirstModelIsNotCutIntoStages() {
        SliceSize.stageCacheForTests(100 * 1024);
        Conv2D a = Conv2D.builder(16, 3).name("a").padding(Padding.SAME).dataFormat(kdnn.layers.DataFormat.CHANNELS_FIRST)
                .activation(Activation.RELU).build();
        Flatten flat = Flatten.builder().name("flat").build();
        Dense head = Dense.builder(64).name("head").build();
        KerasTensor x = KerasTensor.input("x", -1, 8, 32, 32);
        try (Functional m = Functional.of("cf", List.of(x), List.of(head.apply(flat.apply(a.apply(x)))))) {
            for (Layer l : List.of(a, head)) randomizeWeights(l, l.name().hashCode());
            String plan = m.plan(new long[] {8, 8, 32, 32});
            assertFalse(plan.contains("stages"), plan);
        }
    }

    @Test
    void aResidualBlockIsNeverCutInside() {
        SliceSize.stageCacheForTests(100 * 1024);
        Conv2D a = Conv2D.builder(8, 3).name("a").padding(Padding.SAME).activation(Activation.RELU).build();
        Conv2D b = Conv2D.builder(8, 3).name("b").padding(Padding.SAME).build();
        Dense head = Dense.builder(64).name("head").build();
        Flatten flat = Flatten.builder().name("flat").build();
        KerasTensor x = KerasTensor.input("x", -1, 32, 32, 8);
        KerasTensor sum = Add.of("sum").apply(x, b.apply(a.apply(x)));
        try (Functional m = Functional.of("block", List.of(x), List.of(head.apply(flat.apply(sum))))) {
            for (Layer l : List.of(a, b, head)) randomizeWeights(l, l.name().hashCode());
            String plan = m.plan(SHAPE);
            // the block (x is live beside a's and b's values) is one stage, whole or in slices
            assertTrue(plan.startsWith("batch 8 in 2 stages"), plan);
            int first = plan.indexOf("stage 1:");
            int second = plan.indexOf("stage 2:");
            String stage1 = plan.substring(first, second);
            assertTrue(stage1.contains("a") && stage1.contains("b") && stage1.contains("sum"), stage1);
            RefArray in = random(22, 8, 32, 32, 8);
            try (Tensor xt = tensor(in)) {
                float[] staged;
                try (Tensor y = m.predict(xt)) {
                    staged = y.toFloatArray();
                    RefArray s = add(in, layer(b, layer(a, in)));
                    assertClose(layer(head, layer(flat, s)), y, 1e-3); // sums of 8,192 products
                }
                m.setBatchSlice(Integer.MAX_VALUE);
                try (Tensor y = m.predict(xt)) {
                    assertClose(y.toFloatArray(), staged, 1e-5);
                }
            }
        }
    }

    @Test
    void concurrentPredictionsInStagesAgreeBitwiseAndAClosedPlanRefuses() throws Exception {
        SliceSize.stageCacheForTests(100 * 1024);
        RefArray in = random(23, 8, 32, 32, 8);
        Functional m = convThenDense(layers());
        try (Tensor x = tensor(in)) {
            float[] want;
            try (Tensor y = m.predict(x)) {
                want = y.toFloatArray();
            }
            assertTrue(m.plan(SHAPE).contains("stages"), m.plan(SHAPE));
            assertConcurrentPredictions(m, x, want, 4, 10);
            m.close();
            assertThrows(IllegalStateException.class, () -> m.predict(x));
        }
    }
}

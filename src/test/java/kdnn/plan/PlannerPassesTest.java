package kdnn.plan;

import static kdnn.model.GraphReference.add;
import static kdnn.model.GraphReference.assertClose;
import static kdnn.model.GraphReference.concatenate;
import static kdnn.model.GraphReference.layer;
import static kdnn.model.GraphReference.random;
import static kdnn.model.GraphReference.randomizeWeights;
import static kdnn.model.GraphReference.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.ActivationLayer;
import kdnn.layers.Add;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Concatenate;
import kdnn.layers.Conv2D;
import kdnn.layers.DataFormat;
import kdnn.layers.Dense;
import kdnn.layers.Dropout;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Flatten;
import kdnn.layers.Layer;
import kdnn.layers.MaxPooling2D;
import kdnn.layers.Padding;
import kdnn.layers.ReLU;
import kdnn.layers.ZeroPadding2D;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.Test;

/**
 * Each fusion pass, where it fires (the plan says so) and where it must not, on small models
 * whose fused and unfused predictions agree within float32 rounding and match the reference.
 */
class PlannerPassesTest {
    private static final DataFormat CF = DataFormat.CHANNELS_FIRST;

    /** Predicts fused and unfused: both match {@code want} (the reference), and each other within rounding. */
    private static String check(Functional m, List<RefArray> in, List<RefArray> want) {
        List<Tensor> inputs = in.stream().map(kdnn.model.GraphReference::tensor).toList();
        try {
            m.setFusion(true);
            String plan = m.plan(in.stream().map(a -> java.util.Arrays.stream(a.shape()).asLongStream().toArray())
                    .toArray(long[][]::new));
            List<Tensor> fused = m.predict(inputs);
            m.setFusion(false);
            List<Tensor> plain = m.predict(inputs);
            m.setFusion(true);
            try {
                for (int k = 0; k < want.size(); k++) {
                    assertClose(want.get(k), fused.get(k), 1e-4);
                    assertClose(plain.get(k).toFloatArray(), fused.get(k).toFloatArray(), 1e-5);
                }
            } finally {
                fused.forEach(Tensor::close);
                plain.forEach(Tensor::close);
            }
            return plan;
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    private static void weights(Layer... layers) {
        for (Layer l : layers) randomizeWeights(l, l.name().hashCode());
    }

    private static int steps(String plan) {
        return (int) plan.lines().filter(l -> l.matches("\\s*\\d+  .*")).count();
    }

    private static int buffers(String plan) {
        Matcher m = Pattern.compile("buffers: (\\d+)").matcher(plan);
        assertTrue(m.find(), plan);
        return Integer.parseInt(m.group(1));
    }

    // ---- ZeroPadding --------------------------------------------------------------------

    @Test
    void zeroPaddingFoldsIntoTheConvolutionThatAloneReadsIt() {
        ZeroPadding2D zp = ZeroPadding2D.builder().name("zp").padding(1, 2).build();
        Conv2D conv = Conv2D.builder(3, 3).name("conv").build();
        KerasTensor x = KerasTensor.input("x", -1, 6, 7, 2);
        try (Functional m = Functional.of("zp_fold", List.of(x), List.of(conv.apply(zp.apply(x))))) {
            weights(conv);
            RefArray in = random(1, 2, 6, 7, 2);
            String plan = check(m, List.of(in), List.of(layer(conv, layer(zp, in))));
            assertTrue(plan.contains("conv + zp folded into its padding"), plan);
            assertEquals(1, steps(plan), plan);
        }
    }

    @Test
    void zeroPaddingReadByTwoLayersStays() {
        ZeroPadding2D zp = ZeroPadding2D.builder().name("zp").padding(1).build();
        Conv2D a = Conv2D.builder(3, 3).name("a").build();
        Conv2D b = Conv2D.builder(3, 3).name("b").build();
        KerasTensor x = KerasTensor.input("x", -1, 5, 5, 2);
        KerasTensor p = zp.apply(x);
        try (Functional m = Functional.of("zp_shared", List.of(x), List.of(Add.of("sum").apply(a.apply(p), b.apply(p))))) {
            weights(a, b);
            RefArray in = random(2, 1, 5, 5, 2);
            RefArray padded = layer(zp, in);
            String plan = check(m, List.of(in), List.of(add(layer(a, padded), layer(b, padded))));
            assertFalse(plan.contains("folded into its padding"), plan);
        }
    }

    @Test
    void zeroPaddingFoldsIntoAMaxPoolingOfReluOutputsOnly() {
        // ResNet's stem: conv (relu) -> ZeroPadding(1) -> MaxPooling(3, 2); the zeros never win over a ReLU's output
        for (Activation act : new Activation[] {Activation.RELU, Activation.LINEAR}) {
            Conv2D conv = Conv2D.builder(4, 3).name("conv").activation(act).build();
            ZeroPadding2D zp = ZeroPadding2D.builder().name("zp").padding(1).build();
            MaxPooling2D pool = MaxPooling2D.builder().name("pool").poolSize(3, 3).strides(2, 2).build();
            KerasTensor x = KerasTensor.input("x", -1, 11, 10, 3);
            try (Functional m = Functional.of("stem_" + act, List.of(x), List.of(pool.apply(zp.apply(conv.apply(x)))))) {
                weights(conv);
                RefArray in = random(5, 2, 11, 10, 3);
                String plan = check(m, List.of(in), List.of(layer(pool, layer(zp, layer(conv, in)))));
                assertEquals(act == Activation.RELU, plan.contains("pool + zp folded into its padding"), plan);
                assertEquals(act == Activation.RELU ? 2 : 3, steps(plan), plan);
            }
        }
        // a ReLU layer after a folded BatchNormalization counts; average pooling never takes the zeros
        for (boolean max : new boolean[] {true, false}) {
            Conv2D conv = Conv2D.builder(4, 3).name("conv").build();
            BatchNormalization bn = BatchNormalization.builder().name("bn").build();
            ReLU relu = ReLU.builder().name("relu").build();
            ZeroPadding2D zp = ZeroPadding2D.builder().name("zp").padding(1).build();
            Layer pool = max ? MaxPooling2D.builder().name("pool").poolSize(3, 3).strides(2, 2).build()
                    : kdnn.layers.AveragePooling2D.builder().name("pool").poolSize(3, 3).strides(2, 2).build();
            KerasTensor x = KerasTensor.input("x", -1, 9, 9, 3);
            KerasTensor y = pool.apply(zp.apply(relu.apply(bn.apply(conv.apply(x)))));
            try (Functional m = Functional.of("stem_bn_" + max, List.of(x), List.of(y))) {
                weights(conv, bn);
                RefArray in = random(6, 2, 9, 9, 3);
                String plan = check(m, List.of(in),
                        List.of(layer(pool, layer(zp, layer(relu, layer(bn, layer(conv, in)))))));
                assertEquals(max, plan.contains("pool + zp folded into its padding"), plan);
            }
        }
    }

    @Test
    void zeroPaddingFoldsIntoAMaxPoolingInKerasModeAndKeepsKerasNaN() {
        Conv2D conv = Conv2D.builder(4, 3).name("conv").activation(Activation.RELU).build();
        ZeroPadding2D zp = ZeroPadding2D.builder().name("zp").padding(1, 2).build();
        MaxPooling2D pool = MaxPooling2D.builder().name("pool").poolSize(3, 3).strides(2, 2).build();
        KerasTensor x = KerasTensor.input("x", -1, 8, 9, 3);
        try (Functional m = Functional.of("stem_keras", List.of(x), List.of(pool.apply(zp.apply(conv.apply(x)))))) {
            m.setExtremes(ExtremeValues.KERAS); // the ReLU passes NaN on; a window holding it is NaN, zeros or not
            weights(conv);
            RefArray in = random(7, 2, 8, 9, 3);
            // NaN in the corner (its windows also hold the folded zeros), NaN and infinities inside
            in.data()[0] = Float.NaN;
            in.data()[5 * 9 * 3 + 4 * 3 + 1] = Float.NaN;
            in.data()[8 * 9 * 3 + 2 * 9 * 3 + 7 * 3 + 2] = Float.POSITIVE_INFINITY;
            in.data()[8 * 9 * 3 + 6 * 9 * 3 + 3 * 3] = Float.NEGATIVE_INFINITY;
            RefArray want = layer(pool, layer(zp, layer(conv, in)));
            String plan = m.plan(new long[] {2, 8, 9, 3});
            assertTrue(plan.contains("pool + zp folded into its padding"), plan);
            try (Tensor t = tensor(in)) {
                float[] folded = m.predict(List.of(t)).get(0).toFloatArray();
                m.setFusion(false);
                float[] plain = m.predict(List.of(t)).get(0).toFloatArray();
                int nan = 0;
                for (int i = 0; i < want.data().length; i++) {
                    float w = want.data()[i];
                    if (Float.isNaN(w)) nan++;
                    for (float got : new float[] {folded[i], plain[i]}) {
                        assertTrue(Float.isNaN(w) ? Float.isNaN(got)
                                : Float.isInfinite(w) ? got == w : Math.abs(got - w) <= 1e-4 + 1e-4 * Math.abs(w),
                                "value " + i + ": " + got + ", expected " + w);
                    }
                }
                assertTrue(nan > 0 && nan < want.data().length, "the input's NaN reaches some windows: " + nan);
            }
        }
    }

    // ---- BatchNormalization -------------------------------------------------------------

    @Test
    void batchNormalizationFoldsIntoConvolutionsOfBothFormatsAndDense() {
        for (DataFormat f : DataFormat.values()) {
            Conv2D conv = Conv2D.builder(4, 3).name("conv").padding(Padding.SAME).dataFormat(f).build();
            BatchNormalization bn = BatchNormalization.builder().name("bn").axis(f == CF ? 1 : -1).build();
            KerasTensor x = KerasTensor.input("x", f == CF ? new long[] {-1, 3, 6, 5} : new long[] {-1, 6, 5, 3});
            try (Functional m = Functional.of("bn_" + f, List.of(x), List.of(bn.apply(conv.apply(x))))) {
                weights(conv, bn);
                RefArray in = f == CF ? random(3, 2, 3, 6, 5) : random(3, 2, 6, 5, 3);
                String plan = check(m, List.of(in), List.of(layer(bn, layer(conv, in))));
                assertTrue(plan.contains("conv + bn folded into kernel and bias"), plan);
                assertEquals(1, steps(plan), plan);
            }
        }
        Dense dense = Dense.builder(5).name("dense").useBias(false).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        KerasTensor x = KerasTensor.input("x", -1, 7);
        try (Functional m = Functional.of("dense_bn", List.of(x), List.of(bn.apply(dense.apply(x))))) {
            weights(dense, bn);
            RefArray in = random(4, 3, 7);
            String plan = check(m, List.of(in), List.of(layer(bn, layer(dense, in))));
            assertTrue(plan.contains("dense + bn folded into kernel and bias"), plan);
        }
    }

    /** x * gamma per channel of the last axis, as Keras' LayerScale computes it. */
    private static RefArray layerScale(kdnn.layers.LayerScale ls, RefArray x) {
        float[] gamma = ls.getWeights().get(0).values();
        float[] y = new float[x.data().length];
        for (int i = 0; i < y.length; i++) y[i] = x.data()[i] * gamma[i % gamma.length];
        return new RefArray(x.shape().clone(), y);
    }

    /**
     * ConvNeXt's block ends in Dense then LayerScale: the factors fold into the Dense's kernel and bias
     * (a channels-last convolution's too); a LayerScale over another axis than the channels stays.
     */
    @Test
    void aLayerScaleFoldsIntoTheDenseOrChannelsLastConvolutionBeforeIt() {
        Dense dense = Dense.builder(6).name("dense").build();
        kdnn.layers.LayerScale ls = kdnn.layers.LayerScale.builder().initValues(0.5).projectionDim(6).name("ls").build();
        KerasTensor x = KerasTensor.input("x", -1, 4, 3, 5);
        try (Functional m = Functional.of("dense_scale", List.of(x), List.of(ls.apply(dense.apply(x))))) {
            weights(dense, ls);
            RefArray in = random(21, 2, 4, 3, 5);
            String plan = check(m, List.of(in), List.of(layerScale(ls, layer(dense, in))));
            assertTrue(plan.contains("dense + ls folded into kernel and bias"), plan);
            assertEquals(1, steps(plan), plan);
            // new factors after a prediction reach the folded kernel before the next one
            ls.setWeights(List.of(new kdnn.layers.Weight("gamma", new int[] {6}, new float[] {-2, 0, 0.5f, 3, -0.25f, 1})));
            check(m, List.of(in), List.of(layerScale(ls, layer(dense, in))));
        }
        for (DataFormat f : DataFormat.values()) {
            Conv2D conv = Conv2D.builder(6, 3).name("conv").padding(Padding.SAME).dataFormat(f).build();
            kdnn.layers.LayerScale last = kdnn.layers.LayerScale.builder().initValues(0.25).projectionDim(6).name("ls")
                    .build();
            // channels last: (6, 6) sides and 6 channels; channels first: the last axis is a side of 6
            KerasTensor y = KerasTensor.input("y", f == CF ? new long[] {-1, 2, 5, 6} : new long[] {-1, 5, 6, 2});
            try (Functional m = Functional.of("conv_scale_" + f, List.of(y), List.of(last.apply(conv.apply(y))))) {
                weights(conv, last);
                RefArray in = f == CF ? random(22, 2, 2, 5, 6) : random(22, 2, 5, 6, 2);
                String plan = check(m, List.of(in), List.of(layerScale(last, layer(conv, in))));
                assertEquals(f != CF, plan.contains("conv + ls folded into kernel and bias"), plan);
            }
        }
    }

    @Test
    void batchNormalizationAfterAnActivationOrOnAnotherAxisStays() {
        Conv2D conv = Conv2D.builder(4, 3).name("conv").activation(Activation.RELU).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        Conv2D conv2 = Conv2D.builder(4, 1).name("conv2").build();
        BatchNormalization rows = BatchNormalization.builder().name("rows").axis(1).build();
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 2);
        try (Functional m = Functional.of("bn_stays", List.of(x), List.of(bn.apply(conv.apply(x)), rows.apply(conv2.apply(x))))) {
            weights(conv, bn, conv2, rows);
            RefArray in = random(5, 2, 4, 4, 2);
            String plan = check(m, List.of(in), List.of(layer(bn, layer(conv, in)), layer(rows, layer(conv2, in))));
            assertFalse(plan.contains("folded into kernel and bias"), plan);
        }
    }

    // ---- activations --------------------------------------------------------------------

    /**
     * DenseNet's pre-activation: a BatchNormalization that stays a step of its own takes the ReLU
     * after it as oneDNN's fused ReLU, in both modes (the KERAS mode's step checks for NaN).
     */
    @Test
    void aReluAfterAStandaloneBatchNormalizationFusesIntoIt() {
        ExtremeValues before = ExtremeValues.mode();
        try {
            for (ExtremeValues mode : new ExtremeValues[] {ExtremeValues.FUSED, ExtremeValues.KERAS}) {
                ExtremeValues.setMode(mode);
                BatchNormalization bn = BatchNormalization.builder().name("bn").build();
                kdnn.layers.ActivationLayer relu = kdnn.layers.ActivationLayer.builder(Activation.RELU).name("relu").build();
                Conv2D conv = Conv2D.builder(3, 1).name("conv").build();
                KerasTensor x = KerasTensor.input("x", -1, 5, 4, 6);
                try (Functional m = Functional.of("pre_activation", List.of(x), List.of(conv.apply(relu.apply(bn.apply(x)))))) {
                    weights(bn, conv);
                    RefArray in = random(13, 2, 5, 4, 6);
                    String plan = check(m, List.of(in), List.of(layer(conv, layer(relu, layer(bn, in)))));
                    // the KERAS mode's step checks for NaN meeting the ReLU (NormalizationReluKerasModeTest)
                    assertEquals(List.of("bn", "conv"), m.stages(), plan);
                    assertTrue(plan.contains("relu fused into the normalization"), plan);
                }
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    @Test
    void activationLayersFuseIntoTheirProducer() {
        List<Layer> acts = List.of(ActivationLayer.builder(Activation.RELU).name("act").build(),
                ReLU.builder().name("act").build(), ReLU.builder().maxValue(6.0).name("act").build());
        for (Layer act : acts) {
            Conv2D conv = Conv2D.builder(3, 2).name("conv").build();
            KerasTensor x = KerasTensor.input("x", -1, 5, 5, 2);
            try (Functional m = Functional.of("act", List.of(x), List.of(act.apply(conv.apply(x))))) {
                weights(conv);
                RefArray in = new RefArray(new int[] {2, 5, 5, 2}, scaled(random(6, 2, 5, 5, 2).data(), 8));
                String plan = check(m, List.of(in), List.of(layer(act, layer(conv, in))));
                assertTrue(plan.contains("conv + act fused as its activation"), act + ": " + plan);
            }
        }
    }

    private static float[] scaled(float[] v, float by) {
        for (int i = 0; i < v.length; i++) v[i] *= by; // values beyond 6, so relu6 differs from relu
        return v;
    }

    @Test
    void anActivationAfterAnOutputStays() {
        Conv2D conv = Conv2D.builder(3, 2).name("conv").build();
        ReLU relu = ReLU.builder().name("relu").build();
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 2);
        KerasTensor c = conv.apply(x);
        try (Functional m = Functional.of("act_stays", List.of(x), List.of(c, relu.apply(c)))) {
            weights(conv);
            RefArray in = random(7, 1, 4, 4, 2);
            RefArray cv = layer(conv, in);
            String plan = check(m, List.of(in), List.of(cv, layer(relu, cv)));
            assertFalse(plan.contains("fused as its activation"), plan);
        }
    }

    @Test
    void convolutionBatchNormalizationReluRunsAsOneConvolution() {
        Conv2D conv = Conv2D.builder(6, 3).name("conv").padding(Padding.SAME).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        ReLU relu = ReLU.builder().name("relu").build();
        KerasTensor x = KerasTensor.input("x", -1, 8, 8, 3);
        try (Functional m = Functional.of("cbr", List.of(x), List.of(relu.apply(bn.apply(conv.apply(x)))))) {
            weights(conv, bn);
            RefArray in = random(8, 2, 8, 8, 3);
            String plan = check(m, List.of(in), List.of(layer(relu, layer(bn, layer(conv, in)))));
            assertEquals(1, steps(plan), plan);
            assertEquals(List.of("conv"), m.stages());
            assertTrue(plan.contains("conv + bn folded into kernel and bias + relu fused as its activation"), plan);
        }
    }

    // ---- residual Add -------------------------------------------------------------------

    /**
     * A transformer's or ConvNeXt's MLP block, {@code x + Dense(Dense(x))}: the second Dense adds its
     * product into x's buffer (a ReLU after the Add too), in both modes; in a model with a
     * channels_first convolution (whose values may be stored in another order than a Dense writes)
     * the Add stays.
     */
    @Test
    void aDenseTakesTheResidualAddAsASumInAChannelsLastModel() {
        ExtremeValues before = ExtremeValues.mode();
        try {
            for (ExtremeValues mode : ExtremeValues.values()) {
                ExtremeValues.setMode(mode);
                Conv2D stem = Conv2D.builder(6, 3).name("stem").padding(Padding.SAME).build();
                Dense up = Dense.builder(12).name("up").activation(Activation.RELU).build();
                Dense down = Dense.builder(6).name("down").build();
                ReLU relu = ReLU.builder().name("relu").build();
                Conv2D head = Conv2D.builder(2, 1).name("head").build();
                KerasTensor x = KerasTensor.input("x", -1, 5, 4, 3);
                KerasTensor a = stem.apply(x);
                KerasTensor y = relu.apply(Add.of("res").apply(a, down.apply(up.apply(a))));
                try (Functional m = Functional.of("mlp_" + mode, List.of(x), List.of(head.apply(y)))) {
                    weights(stem, up, down, head);
                    RefArray in = random(31, 2, 5, 4, 3);
                    RefArray av = layer(stem, in);
                    String plan = check(m, List.of(in), List.of(layer(head, layer(relu, add(av, layer(down, layer(up, av)))))));
                    assertTrue(plan.contains("down + res fused as a sum into the buffer of")
                            && plan.contains("relu fused after the sum"), mode + "\n" + plan);
                }
            }
            ExtremeValues.setMode(ExtremeValues.FUSED);
            Conv2D first = Conv2D.builder(4, 1).name("first").dataFormat(CF).build();
            Dense dense = Dense.builder(5).name("dense").build();
            KerasTensor x = KerasTensor.input("x", -1, 3, 4, 5);
            KerasTensor a = first.apply(x);
            try (Functional m = Functional.of("mlp_cf", List.of(x), List.of(Add.of("res").apply(dense.apply(a), a)))) {
                weights(first, dense);
                RefArray in = random(32, 2, 3, 4, 5);
                RefArray av = layer(first, in);
                String plan = check(m, List.of(in), List.of(add(layer(dense, av), av)));
                assertFalse(plan.contains("fused as a sum"), plan);
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    @Test
    void aResidualAddBecomesASumIntoItsOtherOperandInFusedMode() {
        ExtremeValues before = ExtremeValues.mode();
        ExtremeValues.setMode(ExtremeValues.FUSED);
        try {
            Conv2D c1 = Conv2D.builder(4, 3).name("c1").padding(Padding.SAME).build();
            Conv2D c2 = Conv2D.builder(4, 3).name("c2").padding(Padding.SAME).build();
            ReLU relu = ReLU.builder().name("relu").build();
            Conv2D head = Conv2D.builder(2, 1).name("head").build();
            KerasTensor x = KerasTensor.input("x", -1, 6, 6, 3);
            Conv2D c0 = Conv2D.builder(4, 3).name("c0").padding(Padding.SAME).build();
            KerasTensor a = c1.apply(x);
            KerasTensor y = relu.apply(Add.of("res").apply(c2.apply(c0.apply(a)), a));
            try (Functional m = Functional.of("res", List.of(x), List.of(head.apply(y)))) {
                weights(c0, c1, c2, head);
                RefArray in = random(9, 2, 6, 6, 3);
                RefArray av = layer(c1, in);
                String plan = check(m, List.of(in), List.of(layer(head, layer(relu, add(layer(c2, layer(c0, av)), av)))));
                assertTrue(plan.contains("c2 + res fused as a sum into the buffer of") && plan.contains("relu fused after the sum"),
                        plan);
                assertEquals(4, steps(plan), plan);
            }
            // add(conv(a), a): the sum would overwrite the convolution's own input
            Conv2D e1 = Conv2D.builder(4, 3).name("e1").padding(Padding.SAME).build();
            Conv2D e2 = Conv2D.builder(4, 3).name("e2").padding(Padding.SAME).build();
            KerasTensor x1 = KerasTensor.input("x", -1, 6, 6, 3);
            KerasTensor a1 = e1.apply(x1);
            try (Functional m = Functional.of("res_own_input", List.of(x1),
                    List.of(Conv2D.builder(2, 1).name("h").build().apply(Add.of("res").apply(e2.apply(a1), a1))))) {
                weights(e1, e2, m.layer("h"));
                RefArray in = random(9, 2, 6, 6, 3);
                RefArray av = layer(e1, in);
                String plan = check(m, List.of(in), List.of(layer(m.layer("h"), add(layer(e2, av), av))));
                assertFalse(plan.contains("fused as a sum"), plan);
            }
            // the other operand is read again after the convolution: no sum
            Conv2D d1 = Conv2D.builder(4, 3).name("d1").padding(Padding.SAME).build();
            Conv2D d2 = Conv2D.builder(4, 3).name("d2").padding(Padding.SAME).build();
            Conv2D d3 = Conv2D.builder(4, 1).name("d3").build();
            KerasTensor x2 = KerasTensor.input("x", -1, 6, 6, 3);
            KerasTensor b = d1.apply(x2);
            KerasTensor sum = Add.of("res").apply(d2.apply(b), b);
            KerasTensor out = Concatenate.of("cat", -1).apply(sum, d3.apply(b));
            try (Functional m = Functional.of("res_stays", List.of(x2), List.of(out))) {
                weights(d1, d2, d3);
                RefArray in = random(10, 1, 6, 6, 3);
                RefArray bv = layer(d1, in);
                String plan = check(m, List.of(in), List.of(concatenate(-1, add(layer(d2, bv), bv), layer(d3, bv))));
                assertFalse(plan.contains("fused as a sum"), plan);
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    /**
     * A convolution whose activation runs after its post-ops (softmax, log_softmax, softsign) takes
     * no sum: the Add would land before the activation. Nor does such an activation layer after
     * an Add fuse after a sum: only post-ops run there, so it would be left out.
     */
    @Test
    void aSoftmaxOrJavaActivationStaysOutOfTheSum() {
        ExtremeValues before = ExtremeValues.mode();
        ExtremeValues.setMode(ExtremeValues.FUSED);
        try {
            for (Activation act : List.of(Activation.SOFTMAX, Activation.LOG_SOFTMAX, Activation.SOFTSIGN)) {
                // add(conv_with_act(c0(a)), a)
                Conv2D c0 = Conv2D.builder(4, 1).name("c0").build();
                Conv2D c1 = Conv2D.builder(4, 1).name("c1").activation(act).build();
                ActivationLayer pre = ActivationLayer.builder(Activation.TANH).name("pre").build();
                Dense head = Dense.builder(3).name("head").build();
                KerasTensor x = KerasTensor.input("x", -1, 3, 3, 4);
                KerasTensor a = pre.apply(x);
                try (Functional m = Functional.of("inside", List.of(x),
                        List.of(head.apply(Add.of("res").apply(c1.apply(c0.apply(a)), a))))) {
                    weights(c0, c1, head);
                    RefArray av = layer(pre, random(6, 2, 3, 3, 4));
                    String plan = check(m, List.of(random(6, 2, 3, 3, 4)),
                            List.of(layer(head, add(layer(c1, layer(c0, av)), av))));
                    assertFalse(plan.contains("fused as a sum"), act + "\n" + plan);
                }
                // act(add(c1(c0(a)), a)): the sum fuses, the activation stays a step of its own
                Conv2D d0 = Conv2D.builder(4, 1).name("d0").build();
                Conv2D d1 = Conv2D.builder(4, 1).name("d1").build();
                ActivationLayer after = ActivationLayer.builder(act).name("after").build();
                ActivationLayer pre2 = ActivationLayer.builder(Activation.TANH).name("pre").build();
                Dense head2 = Dense.builder(3).name("head").build();
                KerasTensor x2 = KerasTensor.input("x", -1, 3, 3, 4);
                KerasTensor b = pre2.apply(x2);
                try (Functional m = Functional.of("after", List.of(x2),
                        List.of(head2.apply(after.apply(Add.of("res").apply(d1.apply(d0.apply(b)), b)))))) {
                    weights(d0, d1, head2);
                    RefArray bv = layer(pre2, random(7, 2, 3, 3, 4));
                    String plan = check(m, List.of(random(7, 2, 3, 3, 4)),
                            List.of(layer(head2, layer(after, add(layer(d1, layer(d0, bv)), bv)))));
                    assertTrue(plan.contains("fused as a sum") && !plan.contains("after fused after the sum"),
                            act + "\n" + plan);
                }
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    @Test
    void convolutionsWriteTheirChannelsIntoTheConcatenationInFusedMode() {
        ExtremeValues before = ExtremeValues.mode();
        ExtremeValues.setMode(ExtremeValues.FUSED);
        try {
            // three branches of different widths (as Inception's), each read only by the Concatenate
            Conv2D a = Conv2D.builder(3, 1).name("a").activation(kdnn.layers.Activation.RELU).build();
            Conv2D b = Conv2D.builder(5, 3).name("b").padding(Padding.SAME).build();
            Conv2D c = Conv2D.builder(8, 3).name("c").padding(Padding.SAME).build();
            Conv2D head = Conv2D.builder(2, 3).name("head").build();
            KerasTensor x = KerasTensor.input("x", -1, 7, 9, 4);
            KerasTensor cat = Concatenate.of("cat", -1).apply(a.apply(x), b.apply(x), c.apply(x));
            try (Functional m = Functional.of("branches", List.of(x), List.of(head.apply(cat)))) {
                weights(a, b, c, head);
                RefArray in = random(11, 2, 7, 9, 4);
                RefArray want = layer(head, concatenate(-1, layer(a, in), layer(b, in), layer(c, in)));
                String plan = check(m, List.of(in), List.of(want));
                // the pass fires only where oneDNN runs the strided destinations on optimized kernels
                // (oneDNN 3.13's jit convolutions do not: a reference kernel would cost more than the copy)
                if (plan.contains("in place")) {
                    assertTrue(plan.contains("a + writes channels 0..3 of cat in place")
                            && plan.contains("b + writes channels 3..8 of cat in place")
                            && plan.contains("c + writes channels 8..16 of cat in place"), plan);
                    assertEquals(4, steps(plan), plan);
                } else {
                    assertTrue(plan.contains("cat <- "), plan);
                    assertEquals(5, steps(plan), plan);
                }
            }
            // the writes themselves, forced whatever kernel runs: strided destinations, one buffer
            System.setProperty("kdnn.plan.concatOnAnyKernel", "true");
            try {
                Conv2D fa = Conv2D.builder(3, 1).name("fa").activation(kdnn.layers.Activation.RELU).build();
                Conv2D fb = Conv2D.builder(5, 3).name("fb").padding(Padding.SAME).build();
                Conv2D fhead = Conv2D.builder(2, 3).name("fhead").build();
                KerasTensor fx = KerasTensor.input("x", -1, 7, 9, 4);
                KerasTensor fcat = Concatenate.of("fcat", -1).apply(fa.apply(fx), fb.apply(fx));
                try (Functional m = Functional.of("forced", List.of(fx), List.of(fhead.apply(fcat)))) {
                    weights(fa, fb, fhead);
                    RefArray in = random(13, 2, 7, 9, 4);
                    String plan = check(m, List.of(in),
                            List.of(layer(fhead, concatenate(-1, layer(fa, in), layer(fb, in)))));
                    assertTrue(plan.contains("fa + writes channels 0..3 of fcat in place")
                            && plan.contains("fb + writes channels 3..8 of fcat in place"), plan);
                    assertEquals(3, steps(plan), plan);
                }
            } finally {
                System.clearProperty("kdnn.plan.concatOnAnyKernel");
            }
            // a branch also read elsewhere is not written in place: the Concatenate stays
            Conv2D d = Conv2D.builder(3, 1).name("d").build();
            Conv2D e = Conv2D.builder(2, 1).name("e").build();
            KerasTensor x1 = KerasTensor.input("x", -1, 5, 5, 2);
            KerasTensor dv = d.apply(x1);
            try (Functional m = Functional.of("shared_branch", List.of(x1),
                    List.of(Concatenate.of("cat", -1).apply(dv, e.apply(x1)), dv))) {
                weights(d, e);
                RefArray in = random(12, 1, 5, 5, 2);
                String plan = check(m, List.of(in), List.of(concatenate(-1, layer(d, in), layer(e, in)), layer(d, in)));
                assertFalse(plan.contains("in place"), plan);
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    // ---- Dropout ------------------------------------------------------------------------

    /**
     * Transposed convolutions never write into a Concatenate's buffer, whatever kernel runs:
     * oneDNN 3.13 runs a deconvolution into a strided destination on its reference kernel
     * ("conv:any+ref:any"), which crashed the JVM in its bias step (found by RandomGraphsTest).
     * The Concatenate copies, and the values are the reference's.
     */
    @Test
    void transposedConvolutionsIntoAConcatenateStayACopy() {
        ExtremeValues before = ExtremeValues.mode();
        ExtremeValues.setMode(ExtremeValues.FUSED);
        try {
            for (boolean anyKernel : new boolean[] {false, true}) {
                if (anyKernel) System.setProperty("kdnn.plan.concatOnAnyKernel", "true");
                try {
                    kdnn.layers.Conv2DTranspose u1 = kdnn.layers.Conv2DTranspose.builder(4, 2).strides(2)
                            .activation(Activation.RELU).name("u1").build();
                    kdnn.layers.Conv2DTranspose u2 = kdnn.layers.Conv2DTranspose.builder(2, 2).strides(2).name("u2").build();
                    Conv2D head = Conv2D.builder(3, 1).name("head").build();
                    KerasTensor x = KerasTensor.input("x", -1, 5, 4, 3);
                    try (Functional m = Functional.of("up", List.of(x),
                            List.of(head.apply(Concatenate.of("cat", -1).apply(u1.apply(x), u2.apply(x)))))) {
                        weights(u1, u2, head);
                        RefArray in = random(31, 2, 5, 4, 3);
                        String plan = check(m, List.of(in), List.of(layer(head, concatenate(3, layer(u1, in), layer(u2, in)))));
                        assertFalse(plan.contains("in place"), plan);
                    }
                } finally {
                    System.clearProperty("kdnn.plan.concatOnAnyKernel");
                }
            }
        } finally {
            ExtremeValues.setMode(before);
        }
    }

    @Test
    void dropoutIsRemoved() {
        Conv2D conv = Conv2D.builder(3, 3).name("conv").build();
        Dropout drop = Dropout.builder(0.5).name("drop").build();
        Conv2D conv2 = Conv2D.builder(2, 1).name("conv2").build();
        KerasTensor x = KerasTensor.input("x", -1, 5, 5, 2);
        try (Functional m = Functional.of("chain_with_dropout", List.of(x), List.of(conv2.apply(drop.apply(conv.apply(x)))))) {
            weights(conv, conv2);
            RefArray in = random(11, 2, 5, 5, 2);
            String plan = check(m, List.of(in), List.of(layer(conv2, layer(conv, in))));
            assertEquals(List.of("conv", "conv2"), m.stages());
            assertFalse(plan.contains("drop <-") || plan.contains("+ drop"), plan);
        }
    }

    /** An Activation of 'linear' after a layer no activation fuses into (ConvNeXt's identity after its LayerScale) is left out. */
    @Test
    void aLinearActivationIsRemoved() {
        Conv2D conv = Conv2D.builder(3, 3).name("conv").build();
        kdnn.layers.UpSampling2D up = kdnn.layers.UpSampling2D.builder().size(2, 2).name("up").build();
        kdnn.layers.ActivationLayer identity = kdnn.layers.ActivationLayer.builder(Activation.LINEAR).name("identity").build();
        Conv2D conv2 = Conv2D.builder(2, 1).name("conv2").build();
        KerasTensor x = KerasTensor.input("x", -1, 5, 5, 2);
        try (Functional m = Functional.of("chain_with_identity", List.of(x),
                List.of(conv2.apply(identity.apply(up.apply(conv.apply(x))))))) {
            weights(conv, conv2);
            RefArray in = random(12, 2, 5, 5, 2);
            check(m, List.of(in), List.of(layer(conv2, layer(up, layer(conv, in)))));
            assertEquals(List.of("conv", "up", "conv2"), m.stages());
        }
    }

    // ---- buffers ------------------------------------------------------------------------

    @Test
    void aLongChainUsesTwoBuffersAndOutputsMayBeReadOrBeInputs() {
        KerasTensor x = KerasTensor.input("x", -1, 6, 6, 4);
        KerasTensor t = x;
        List<Conv2D> convs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Conv2D c = Conv2D.builder(4, 3).name("c" + i).padding(Padding.SAME).activation(Activation.TANH).build();
            convs.add(c);
            t = c.apply(t);
        }
        try (Functional m = Functional.of("chain", List.of(x), List.of(t))) {
            weights(convs.toArray(Layer[]::new));
            RefArray in = random(12, 1, 6, 6, 4);
            RefArray want = in;
            for (Conv2D c : convs) want = layer(c, want);
            String plan = check(m, List.of(in), List.of(want));
            assertTrue(buffers(plan) <= 2, plan);
        }
        // an output also read by a later layer, and the input given back as an output
        Conv2D a = Conv2D.builder(4, 3).name("a").padding(Padding.SAME).build();
        Conv2D b = Conv2D.builder(4, 3).name("b").padding(Padding.SAME).build();
        KerasTensor y = KerasTensor.input("y", -1, 6, 6, 4);
        KerasTensor av = a.apply(y);
        try (Functional m = Functional.of("outputs", List.of(y), List.of(av, b.apply(av), y, av))) {
            weights(a, b);
            RefArray in = random(13, 2, 6, 6, 4);
            RefArray first = layer(a, in);
            check(m, List.of(in), List.of(first, layer(b, first), in, first));
        }
        KerasTensor z = KerasTensor.input("z", -1, 3);
        try (Functional identity = Functional.of("identity", List.of(z), List.of(z))) {
            RefArray in = random(14, 2, 3);
            String plan = check(identity, List.of(in), List.of(in));
            assertTrue(plan.contains("copy input 0 -> output 0"), plan);
        }
    }

    // ---- channels_first -----------------------------------------------------------------

    @Test
    void aChannelsFirstGraphMatchesTheReferenceFusedAndUnfused() {
        Conv2D c1 = Conv2D.builder(4, 3).name("c1").padding(Padding.SAME).dataFormat(CF).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").axis(1).build();
        ReLU relu = ReLU.builder().name("relu").build();
        MaxPooling2D pool = MaxPooling2D.builder().name("pool").poolSize(2).dataFormat(CF).build();
        Conv2D c2 = Conv2D.builder(4, 3).name("c2").padding(Padding.SAME).dataFormat(CF).build();
        Conv2D c3 = Conv2D.builder(2, 1).name("c3").dataFormat(CF).build();
        Flatten flat = Flatten.builder().name("flat").dataFormat(CF).build();
        Dense dense = Dense.builder(3).name("dense").build();
        KerasTensor x = KerasTensor.input("x", -1, 3, 8, 6);
        KerasTensor p = pool.apply(relu.apply(bn.apply(c1.apply(x))));
        KerasTensor s = Add.of("add").apply(c2.apply(p), p);
        KerasTensor cat = Concatenate.of("cat", 1).apply(s, c3.apply(p));
        try (Functional m = Functional.of("cf", List.of(x), List.of(dense.apply(flat.apply(cat))))) {
            weights(c1, bn, c2, c3, dense);
            RefArray in = random(15, 2, 3, 8, 6);
            RefArray pv = layer(pool, layer(relu, layer(bn, layer(c1, in))));
            RefArray catv = concatenate(1, add(layer(c2, pv), pv), layer(c3, pv));
            String plan = check(m, List.of(in), List.of(layer(dense, layer(flat, catv))));
            assertTrue(plan.contains("channels-last"), plan);
        }
    }
    /**
     * A channels_first convolution stored channels-last inside a model: its vector activation
     * still runs along Keras' last axis (W), whose values then lie C apart; fused as the
     * convolution's own or as an Activation layer folded into it.
     */
    @Test
    void aVectorActivationOfAChannelsFirstConvolutionStoredChannelsLastRunsAlongW() {
        for (Activation act : List.of(Activation.SPARSEMAX, Activation.SOFTMAX, Activation.LOG_SOFTMAX)) {
            Conv2D c1 = Conv2D.builder(4, 3).name("c1").padding(Padding.SAME).dataFormat(CF).activation(act).build();
            Conv2D c2 = Conv2D.builder(5, 1).name("c2").dataFormat(CF).build();
            ActivationLayer after = ActivationLayer.builder(act).name("after").build();
            Conv2D c3 = Conv2D.builder(3, 3).name("c3").dataFormat(CF).build();
            KerasTensor x = KerasTensor.input("x", -1, 3, 6, 7);
            try (Functional m = Functional.of("cf_vectors", List.of(x), List.of(c3.apply(after.apply(c2.apply(c1.apply(x))))))) {
                weights(c1, c2, c3);
                RefArray in = random(16, 2, 3, 6, 7);
                String plan = check(m, List.of(in), List.of(layer(c3, layer(after, layer(c2, layer(c1, in))))));
                assertTrue(plan.contains("channels-last") && plan.contains("after fused as its activation"), act + "\n" + plan);
            }
        }
    }

    @Test
    void anElementWiseLayerOrMergeThatWritesAnOutputReadsChannelsFirstValuesInKerasOrder() {
        // c's value stays channels-last for its convolution reader; the ReLU layer and the Add that
        // write model outputs must read it converted, since they keep their input's order
        Conv2D c = Conv2D.builder(3, 3).name("c").dataFormat(CF).activation(Activation.TANH).build();
        Conv2D d = Conv2D.builder(3, 1).name("d").dataFormat(CF).activation(Activation.TANH).build();
        ReLU relu = ReLU.builder().name("relu").build();
        KerasTensor x = KerasTensor.input("x", -1, 2, 6, 5);
        KerasTensor cv = c.apply(x);
        KerasTensor sum = Add.of("sum").apply(cv, d.apply(cv));
        try (Functional m = Functional.of("cf_outputs", List.of(x), List.of(relu.apply(cv), sum))) {
            weights(c, d);
            RefArray in = random(16, 2, 2, 6, 5);
            RefArray cr = layer(c, in);
            String plan = check(m, List.of(in), List.of(layer(relu, cr), add(cr, layer(d, cr))));
            assertTrue(plan.contains("channels-last") && plan.contains("convert"), plan);
        }
    }

    @Test
    void upSamplingReadsAChannelsLastValueOfOnePixel() {
        // one pixel is the same memory in either order; oneDNN's resampling then wrote channels-last
        Conv2D c = Conv2D.builder(3, 2).name("c").dataFormat(CF).build();
        Layer up = kdnn.layers.UpSampling2D.builder().name("up").size(2, 2).dataFormat(CF).build();
        KerasTensor x = KerasTensor.input("x", -1, 2, 2, 2);
        try (Functional m = Functional.of("one_pixel", List.of(x), List.of(up.apply(c.apply(x))))) {
            weights(c);
            RefArray in = random(17, 3, 2, 2, 2);
            String plan = check(m, List.of(in), List.of(layer(up, layer(c, in))));
            assertTrue(plan.contains("channels-last"), plan);
        }
    }
}

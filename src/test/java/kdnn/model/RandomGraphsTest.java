package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random functional graphs of the layers the planner fuses, folds, places in place and
 * slices (convolutions of each family, BatchNormalization, activations, pooling, padding,
 * cropping, upsampling, every merge, Concatenate, Dropout, Dense), in both data formats, with
 * branches, residuals and outputs that other layers also read. Each output is checked against
 * the reference run layer by layer, in the default mode, in {@code keras} mode, with fusion off
 * and with the batch in slices of one: whatever the planner does to a graph, the values stay
 * Keras'. Graphs of 1, 2 and 3 spatial axes; {@code -Dkdnn.randomGraphs=N} checks N of them
 * (400 by default, about 3 s), {@code -Dkdnn.randomGraphsFrom=S} from seed S, and
 * {@code -Dkdnn.randomGraphsWide=true} draws half the convolutions' filters across oneDNN's
 * 16-wide blocks. Two bugs it found are kept as cases of {@code PlannerPassesTest}.
 */
class RandomGraphsTest {
    // what a format cannot hold, as kdnn's refusals name it: a layer its Keras lacks (ThresholdedReLU in
    // Keras 3, MultiHeadAttention in TF.js), a function or rule that Keras version defines otherwise
    // (hard_sigmoid, strides with dilation), a mask the two versions treat differently
    private static final List<String> FORMAT_LIMITS = List.of("which Keras 3 does not have", "which Keras 2 does not have",
            "has no TF.js form",
            "hard_sigmoid", "files do not carry", "is given a mask");
    // bf16 keeps 8 bits: ~0.4% per rounding of inputs, weights and stored values, up to 15 layers deep
    private static final double BF16_TOLERANCE = Double.parseDouble(System.getProperty("kdnn.bf16Tolerance", "0.05"));

    static LongStream seeds() {
        long from = Long.getLong("kdnn.randomGraphsFrom", 0); // to rerun one seed: its number, and kdnn.randomGraphs=1
        return LongStream.range(from, from + Long.getLong("kdnn.randomGraphs", 400));
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("seeds")
    void aRandomGraphComputesWhatItsLayersDoOneByOne(long seed) {
        RandomGraph g = new RandomGraph(seed);
        g.grow();
        List<Tensor> x = g.inputTensors();
        try (Functional m = g.model()) {
            check(g, m, x, "default");
            m.setExtremes(ExtremeValues.KERAS);
            check(g, m, x, "keras mode");
            m.setExtremes(null);
            m.setBatchSlice(1);
            check(g, m, x, "slices of one sample");
            m.setFusion(false);
            check(g, m, x, "no fusion");
        } finally {
            x.forEach(Tensor::close);
        }
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("seeds")
    void aRandomGraphPlannedForATinyCacheRunsInStagesOfSlicesAndComputesTheSame(long seed) {
        RandomGraph g = new RandomGraph(seed);
        g.grow();
        org.junit.jupiter.api.Assumptions.assumeTrue(g.inputs.get(0).shape()[0] > 1, "one sample: nothing to slice");
        List<Tensor> x = g.inputTensors();
        // each stage then takes the fewest samples its steps fit, some one, some the whole batch
        kdnn.internal.plan.StageCacheForTests.set(1024L << (seed % 4));
        try (Functional m = g.model()) {
            check(g, m, x, "stages for a cache of " + (1 << (seed % 4)) + " KB");
        } finally {
            kdnn.internal.plan.StageCacheForTests.set(0);
            x.forEach(Tensor::close);
        }
    }

    static LongStream someSeeds() {
        return seeds().filter(s -> s % 4 == 0);
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("someSeeds")
    void aRandomGraphSavedInEachFormatReadsBackToTheSameBits(long seed, @TempDir Path dir) throws Exception {
        RandomGraph g = new RandomGraph(seed);
        g.grow();
        List<Tensor> x = g.inputTensors();
        try (Functional m = g.model()) {
            List<Tensor> want = m.predict(x);
            try {
                eachFormat(m, g, dir, (file, got) -> {
                    assertEquals(want.size(), got.size(), file);
                    for (int k = 0; k < want.size(); k++) {
                        assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), 0f,
                                "seed " + seed + ", " + file + ", output " + k + "\n" + g.description);
                    }
                }, x);
            } finally {
                want.forEach(Tensor::close);
            }
        } finally {
            x.forEach(Tensor::close);
        }
    }

    /**
     * Saves {@code m} as .keras, .h5 and TF.js and reads each back, handing its outputs for
     * {@code x} to {@code expect}; a save may be refused only for what the format cannot hold
     * ({@link #FORMAT_LIMITS}).
     */
    private static void eachFormat(Model m, RandomGraph g, Path dir, java.util.function.BiConsumer<String, List<Tensor>> expect,
                                   List<Tensor> x) throws java.io.IOException {
        for (String file : List.of("model.keras", "model.h5", "model.json")) {
            try {
                Models.save(m, dir.resolve(file));
            } catch (IllegalArgumentException refused) {
                String why = refused.getMessage();
                if (FORMAT_LIMITS.stream().anyMatch(why::contains)) continue;
                throw new AssertionError("seed " + g.seed + ", " + file + "\n" + g.description, refused);
            }
            try (Model back = Models.load(dir.resolve(file))) {
                assertEquals(m.className(), back.className(), file);
                List<Tensor> got = back.predict(x);
                try {
                    expect.accept(file, got);
                } finally {
                    got.forEach(Tensor::close);
                }
            }
        }
    }

    static LongStream threadedSeeds() {
        return seeds().filter(s -> s % 8 == 2);
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("threadedSeeds")
    void aRandomGraphPredictedFromFourThreadsAtOnceGivesOneThreadsBits(long seed) throws Exception {
        RandomGraph g = new RandomGraph(seed);
        g.grow();
        List<Tensor> x = g.inputTensors();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try (Functional m = g.model()) {
            List<float[]> want = new ArrayList<>();
            for (Tensor t : m.predict(x)) {
                want.add(t.toFloatArray());
                t.close();
            }
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                running.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        List<Tensor> out = m.predict(x);
                        try {
                            for (int k = 0; k < out.size(); k++) {
                                assertArrayEquals(want.get(k), out.get(k).toFloatArray(), 0f,
                                        "seed " + seed + ", output " + k + "\n" + g.description);
                            }
                        } finally {
                            out.forEach(Tensor::close);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) f.get();
        } finally {
            pool.shutdown();
            x.forEach(Tensor::close);
        }
    }

    static LongStream extremeSeeds() {
        return seeds().filter(s -> s % 2 == 0);
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("extremeSeeds")
    void aRandomGraphInKerasModeCarriesNaNAndInfinitiesAsItsLayersDo(long seed) {
        RandomGraph g = new RandomGraph(seed, false, true);
        g.grow();
        List<Tensor> x = g.inputTensors();
        try (Functional m = g.model()) {
            m.setExtremes(ExtremeValues.KERAS);
            check(g, m, x, "keras mode, NaN in the input");
        } finally {
            x.forEach(Tensor::close);
        }
    }

    static LongStream maskedSeeds() {
        return seeds().filter(s -> s % 2 == 1);
    }

    /**
     * Masking, then layers that pass Keras' mask on (Dense, Activation, Dropout, LayerNormalization,
     * BatchNormalization, TimeDistributed, a residual Add), a Conv1D that drops it, recurrent layers
     * and Bidirectional ones that read it, MultiHeadAttention joining the masks of its query, value
     * and key, Attention and AdditiveAttention reading the query's and the value's, merges with a branch masked otherwise or not at all (half of the Masking graphs mask
     * two values), maybe ending in a masked mean or a recurrent layer's last output: each output as
     * Keras computes it with the masks, and read back from each format.
     */
    @ParameterizedTest(name = "sequence {0}", allowZeroInvocations = true)
    @MethodSource("maskedSeeds")
    void aRandomMaskedSequenceCarriesTheMaskToTheLayersThatReadIt(long seed, @TempDir Path dir) throws Exception {
        RandomGraph g = new RandomGraph(seed, true);
        SplittableRandom r = g.r;
        int batch = 2 + r.nextInt(3);
        int steps = 3 + r.nextInt(8);
        int features = 1 + r.nextInt(5);
        float maskValue = r.nextBoolean() ? 0f : -1f;
        boolean embedding = r.nextInt(3) == 0; // else Masking
        int vocabulary = 3 + r.nextInt(8);
        RefArray x = embedding ? new RefArray(new int[] {batch, steps}, new float[batch * steps])
                : GraphReference.random(seed + 300, batch, steps, features);
        // some sequences hold steps of a second mask value too, for a second Masking whose value merges with the first's
        java.util.Random second = new java.util.Random(seed * 31 + 7); // r's draws stay those of the graph without
        boolean twoMasks = !embedding && second.nextBoolean();
        float otherValue = maskValue == 0 ? -1f : 0f;
        float[] mask = new float[batch * steps];
        float[] otherMask = new float[batch * steps];
        for (int n = 0; n < batch; n++) {
            int keep = r.nextInt(steps); // one step always kept
            for (int t = 0; t < steps; t++) {
                boolean masked = t != keep && r.nextInt(3) == 0;
                boolean other = masked && twoMasks && second.nextBoolean();
                mask[n * steps + t] = masked && !other ? 0 : 1;
                otherMask[n * steps + t] = other ? 0 : 1;
                if (embedding) x.data()[n * steps + t] = masked ? 0 : 1 + r.nextInt(vocabulary - 1); // id 0 masks
                else if (masked) {
                    for (int f = 0; f < features; f++) x.data()[(n * steps + t) * features + f] = other ? otherValue : maskValue;
                }
            }
        }
        g.inputs.clear();
        g.values.clear();
        g.description.setLength(0);
        g.inputs.add(new RandomGraph.Value(embedding ? KerasTensor.input("input", -1, steps)
                : KerasTensor.input("input", -1, steps, features), x));
        g.values.addAll(g.inputs);
        g.description.append("sequence ").append(Arrays.toString(x.shape())).append(", mask ").append(Arrays.toString(mask))
                .append(twoMasks ? ", mask of " + otherValue + " " + Arrays.toString(otherMask) : "").append('\n');
        RandomGraph.Value v = g.unaryMasked(embedding ? g.layer("Embedding", "input_dim", vocabulary, "output_dim", features,
                "mask_zero", true) : g.layer("Masking", "mask_value", (double) maskValue), g.values.get(0), mask);
        int layers = 2 + r.nextInt(5);
        int mergeAt = twoMasks ? second.nextInt(layers) : -1;
        int attendAt = second.nextInt(3) == 0 ? second.nextInt(layers) : -1;
        for (int i = 0; i < layers; i++) {
            if (i == mergeAt) {
                MaskedValue merged = mergeDifferentlyMasked(g, second, v, mask, otherValue, otherMask);
                v = merged.value();
                mask = merged.mask();
                continue;
            }
            if (i == attendAt) {
                MaskedValue attended = second.nextInt(3) == 0 ? attendDenselyWithMasks(g, second, v, mask,
                        twoMasks ? otherValue : null, otherMask)
                        : attendWithMasks(g, second, v, mask, twoMasks ? otherValue : null, otherMask);
                v = attended.value();
                mask = attended.mask();
                continue;
            }
            if (second.nextInt(6) == 0) { // a layer Keras passes the mask through, or one that drops it
                switch (second.nextInt(4)) {
                    case 0 -> {
                        v = g.unaryMasked(g.layer("Conv1D", "filters", 1 + second.nextInt(5), "kernel_size", List.of(1 + second.nextInt(3)),
                                "padding", second.nextBoolean() ? "same" : "causal", "activation", g.activation()), v, mask);
                        mask = new float[mask.length];
                        Arrays.fill(mask, 1); // Keras' convolutions do not support masking: the mask stops there
                    }
                    case 1 -> v = g.unaryMasked(g.layer("BatchNormalization", "axis", -1, "epsilon", 1e-3), v, mask);
                    case 2 -> {
                        com.fasterxml.jackson.databind.JsonNode dense;
                        try (Layer d = g.dense(1 + second.nextInt(5), g.activation())) {
                            dense = Layers.toConfig(d);
                        }
                        v = g.unaryMasked(g.layer("TimeDistributed", "layer", dense), v, mask);
                    }
                    default -> v = g.unaryMasked(g.layer("SpatialDropout1D", "rate", 0.2), v, mask);
                }
                continue;
            }
            float[] m = mask;
            v = switch (r.nextInt(6)) {
                case 0 -> g.unaryMasked(g.dense(1 + r.nextInt(6), g.activation()), v, m);
                case 1 -> g.unaryMasked(r.nextBoolean() ? g.layer("Activation", "activation", g.activation())
                        : g.layer("LeakyReLU", "alpha", 0.3), v, m);
                case 2 -> g.unaryMasked(r.nextBoolean() ? g.layer("Dropout", "rate", 0.3)
                        : g.layer("LayerNormalization", "axis", -1, "epsilon", 1e-3, "center", true, "scale", true), v, m);
                case 3 -> {
                    RandomGraph.Value branch = g.unaryMasked(g.dense(v.shape()[2], g.activation()), v, m);
                    Layer add = g.layer("Add");
                    yield g.add(add.apply(v.t(), branch.t()), GraphReference.add(v.value(), branch.value()), "Add <- "
                            + v.t() + ", " + branch.t());
                }
                default -> g.unaryMasked(second.nextInt(3) == 0 ? g.bidirectional() : g.recurrent(), v, m);
            };
        }
        switch (r.nextInt(3)) {
            case 0 -> v = g.unaryMasked(g.layer("GlobalAveragePooling1D"), v, mask);
            case 1 -> v = g.unaryMasked(g.layer("LSTM", "units", 1 + r.nextInt(4), "go_backwards", r.nextBoolean()), v, mask);
            default -> { }
        }
        g.outputs.add(v);
        List<Tensor> in = g.inputTensors();
        try (Functional m = g.model()) {
            check(g, m, in, "masked");
            if (seed % 8 == 3) { // a fourth: four threads at once, each prediction bitwise one thread's
                try (Tensor y = m.predict(in.get(0))) {
                    GraphReference.assertConcurrentPredictions(m, in.get(0), y.toFloatArray(), 4, 10);
                }
            }
            eachFormat(m, g, dir, (file, got) -> {
                int bad = firstDifference(g.outputs.get(0).value(), got.get(0).toFloatArray());
                if (bad >= 0) fail("seed " + seed + ", " + file + ", value " + bad + "\n" + g.description);
            }, in);
        } finally {
            in.forEach(Tensor::close);
        }
    }

    /** A value and the mask Keras gives it: all ones where it has none, which every layer here reads the same. */
    record MaskedValue(RandomGraph.Value value, float[] mask) { }

    /**
     * {@code v} (carrying {@code mask}) merged with a second branch of the graph's input: a Masking of
     * the other mask value (which masks the steps of {@code otherMask}), maybe through a Dense, or the
     * input unmasked through a Dense; by an element-wise merge or a Concatenate of the features or of
     * the steps. The merged mask as Keras computes it: tf.keras' merges AND the masks present; Keras
     * 3's OR them and give none unless every input has one, and its Concatenate reads an input
     * without one as all true; each Concatenate joins masks along the steps.
     */
    static MaskedValue mergeDifferentlyMasked(RandomGraph g, java.util.Random pick, RandomGraph.Value v, float[] mask,
            float otherValue, float[] otherMask) {
        RandomGraph.Value input = g.inputs.get(0);
        int features = v.shape()[2];
        float[] ones = new float[mask.length];
        Arrays.fill(ones, 1);
        boolean unmasked = pick.nextInt(3) == 0;
        RandomGraph.Value w;
        if (unmasked) {
            w = g.unaryMasked(g.dense(features, g.activation()), input, ones);
        } else {
            w = g.unaryMasked(g.layer("Masking", "mask_value", (double) otherValue), input, otherMask);
            if (w.shape()[2] != features || pick.nextBoolean()) w = g.unaryMasked(g.dense(features, g.activation()), w, otherMask);
        }
        float[] wMask = unmasked ? null : otherMask;
        float[] joined = new float[mask.length]; // the element-wise rule, and Concatenate's along the features
        for (int i = 0; i < joined.length; i++) {
            joined[i] = g.keras3 ? (wMask == null ? 1 : Math.max(mask[i], wMask[i]))
                    : (wMask == null ? mask[i] : Math.min(mask[i], wMask[i]));
        }
        boolean vFirst = pick.nextBoolean();
        List<RandomGraph.Value> operands = vFirst ? List.of(v, w) : List.of(w, v);
        String[] kinds = g.keras3 ? new String[] {"Add", "Subtract", "Average", "Concatenate"}
                : new String[] {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"};
        String kind = kinds[pick.nextInt(kinds.length)];
        if (!kind.equals("Concatenate")) {
            g.mergeOf(kind, operands);
            return new MaskedValue(g.values.get(g.values.size() - 1), joined);
        }
        // tf.keras cannot join an unmasked input's mask (all ones of the input's shape) with another's along the steps
        boolean alongSteps = (wMask != null || g.keras3) && pick.nextBoolean();
        int axis = alongSteps ? 1 : pick.nextBoolean() ? -1 : 2;
        Layer l = g.layer("Concatenate", "axis", axis);
        KerasTensor t = l.apply(operands.get(0).t(), operands.get(1).t());
        RefArray value = GraphReference.concatenate(axis, operands.get(0).value(), operands.get(1).value());
        RandomGraph.Value merged = g.add(t, value, "Concatenate axis " + axis + " of " + operands.get(0).t() + ", "
                + operands.get(1).t());
        if (!alongSteps) return new MaskedValue(merged, joined);
        float[] first = vFirst ? mask : wMask == null ? ones : wMask;
        float[] second = vFirst ? (wMask == null ? ones : wMask) : mask;
        int steps = v.shape()[1];
        int batch = v.shape()[0];
        float[] steps2 = new float[2 * batch * steps];
        for (int n = 0; n < batch; n++) {
            System.arraycopy(first, n * steps, steps2, 2 * n * steps, steps);
            System.arraycopy(second, n * steps, steps2, (2 * n + 1) * steps, steps);
        }
        return new MaskedValue(merged, steps2);
    }

    /**
     * MultiHeadAttention of {@code v} (carrying {@code mask}): over itself; over the input unmasked
     * through a Dense; as the value of an unmasked query; or with the input's other Masking (when
     * {@code otherValue} is given) as its key or its value; over itself only after an Embedding. Its
     * output carries the query's mask.
     */
    static MaskedValue attendWithMasks(RandomGraph g, java.util.Random pick, RandomGraph.Value v, float[] mask,
            Float otherValue, float[] otherMask) {
        RandomGraph.Value input = g.inputs.get(0);
        int features = v.shape()[2];
        float[] ones = new float[mask.length];
        Arrays.fill(ones, 1);
        // an Embedding's ids cannot go through a Dense: self-attention only
        switch (pick.nextInt(input.shape().length < 3 ? 1 : otherValue == null ? 3 : 5)) {
            case 0 -> {
                return new MaskedValue(g.maskedAttention(v, mask, v, mask, null, null), mask);
            }
            case 1 -> {
                RandomGraph.Value u = g.unaryMasked(g.dense(1 + g.r.nextInt(5), g.activation()), input, ones);
                return new MaskedValue(g.maskedAttention(v, mask, u, null, null, null), mask);
            }
            case 2 -> {
                RandomGraph.Value u = g.unaryMasked(g.dense(1 + g.r.nextInt(5), g.activation()), input, ones);
                float[] uOnes = new float[u.shape()[0] * u.shape()[1]];
                Arrays.fill(uOnes, 1);
                return new MaskedValue(g.maskedAttention(u, null, v, mask, null, null), uOnes); // the query's: none
            }
            default -> {
                RandomGraph.Value w = g.unaryMasked(g.layer("Masking", "mask_value", (double) otherValue), input, otherMask);
                boolean asKey = pick.nextBoolean();
                if (v.shape()[1] != w.shape()[1]) { // steps joined before: the other Masking's value as key and value
                    return new MaskedValue(g.maskedAttention(v, mask, w, otherMask, w, otherMask), mask);
                }
                return new MaskedValue(asKey ? g.maskedAttention(v, mask, v, mask, w, otherMask)
                        : g.maskedAttention(v, mask, w, otherMask, v, mask), mask);
            }
        }
    }

    /**
     * Attention or AdditiveAttention of {@code v} (carrying {@code mask}): over itself; over the
     * input's other Masking (when {@code otherValue} is given) as its value; or with that one as a
     * separate key, whose mask Keras does not read. Its output carries the query's mask.
     */
    static MaskedValue attendDenselyWithMasks(RandomGraph g, java.util.Random pick, RandomGraph.Value v, float[] mask,
            Float otherValue, float[] otherMask) {
        int features = v.shape()[2];
        if (otherValue == null || v.shape()[1] != g.inputs.get(0).shape()[1] || pick.nextInt(3) == 0) {
            return new MaskedValue(g.maskedDenseAttention(v, mask, v, mask, null), mask);
        }
        RandomGraph.Value w = g.unaryMasked(g.layer("Masking", "mask_value", (double) otherValue), g.inputs.get(0), otherMask);
        if (w.shape()[2] != features) w = g.unaryMasked(g.dense(features, g.activation()), w, otherMask);
        return new MaskedValue(pick.nextBoolean() ? g.maskedDenseAttention(v, mask, w, otherMask, null)
                : g.maskedDenseAttention(v, mask, v, mask, w), mask);
    }

    static LongStream chainSeeds() {
        return seeds().filter(s -> s % 4 == 3);
    }

    @ParameterizedTest(name = "chain {0}", allowZeroInvocations = true)
    @MethodSource("chainSeeds")
    void aRandomChainAsASequentialModelComputesItsLayersAndReadsBackFromEachFormat(long seed, @TempDir Path dir)
            throws Exception {
        RandomGraph g = new RandomGraph(seed, true);
        g.grow();
        List<Tensor> x = g.inputTensors();
        List<Layer> fresh = new ArrayList<>();
        for (Layer l : g.applied) {
            Layer copy = Layers.fromConfig(Layers.toConfig(l), g.keras3 ? kdnn.layers.KerasVersion.KERAS_3
                    : kdnn.layers.KerasVersion.KERAS_2);
            fresh.add(copy);
        }
        long[] inputShape = g.inputs.get(0).t().shape();
        try (Sequential m = Sequential.of("chain_" + seed, fresh, inputShape)) {
            for (int i = 0; i < fresh.size(); i++) {
                if (!g.applied.get(i).getWeights().isEmpty()) fresh.get(i).setWeights(g.applied.get(i).getWeights());
            }
            RandomGraph.Value last = g.values.get(g.values.size() - 1);
            RandomGraph single = g.withOutputs(List.of(last));
            check(single, m, x, "Sequential");
            eachFormat(m, g, dir, (file, got) -> {
                int bad = firstDifference(last.value(), got.get(0).toFloatArray());
                if (bad >= 0) fail("seed " + seed + ", " + file + ", value " + bad + "\n" + g.description);
            }, x);
        } finally {
            x.forEach(Tensor::close);
        }
    }

    static LongStream otherSeeds() {
        return seeds().filter(s -> s % 4 == 1);
    }

    @ParameterizedTest(name = "graph {0}", allowZeroInvocations = true)
    @MethodSource("otherSeeds")
    void aRandomGraphInBf16StaysWithinItsPrecisionAndBackInFloat32IsExact(long seed) {
        org.junit.jupiter.api.Assumptions.assumeTrue(kdnn.runtime.Convolutions.bf16Supported(), "no bf16 on this CPU");
        RandomGraph g = new RandomGraph(seed);
        g.continuous = true; // a ReLU threshold's step turns bf16's rounding into a jump
        g.grow();
        List<Tensor> x = g.inputTensors();
        try (Functional m = g.model()) {
            m.setPrecision(kdnn.layers.Precision.BF16);
            List<Tensor> out = m.predict(x);
            try {
                for (int i = 0; i < out.size(); i++) {
                    float[] want = g.outputs.get(i).value().data();
                    float[] got = out.get(i).toFloatArray();
                    double scale = 0, worst = 0;
                    for (float v : want) scale = Math.max(scale, Math.abs(v));
                    for (int k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]));
                    assertTrue(worst <= BF16_TOLERANCE * (1 + scale), "seed " + seed + ", bf16, output " + i
                            + " (" + g.outputs.get(i).t() + "): off by " + worst + ", outputs up to " + scale + "\n" + g.description);
                }
            } finally {
                out.forEach(Tensor::close);
            }
            m.setPrecision(kdnn.layers.Precision.F32);
            check(g, m, x, "float32 after bf16");
        } finally {
            x.forEach(Tensor::close);
        }
    }

    private static void check(RandomGraph g, Model m, List<Tensor> x, String how) {
        List<Tensor> out = m.predict(x);
        try {
            for (int i = 0; i < out.size(); i++) {
                RefArray want = g.outputs.get(i).value();
                String what = "seed " + g.seed + ", " + how + ", output " + i + " (" + g.outputs.get(i).t() + ")\n"
                        + g.description;
                assertArrayEquals(Arrays.stream(want.shape()).asLongStream().toArray(), out.get(i).shape(), what);
                float[] got = out.get(i).toFloatArray();
                int bad = firstDifference(want, got);
                if (bad >= 0) {
                    fail(what + "\nvalue " + bad + ": " + got[bad] + ", expected " + want.data()[bad] + "\nfirst value off: "
                            + firstValueOff(g, m, x));
                }
            }
        } finally {
            out.forEach(Tensor::close);
        }
    }

    /**
     * The index of the first element of {@code got} off {@code want} by more than rounding, else
     * -1: NaN where {@code want} is NaN, the same infinity where it is one.
     */
    private static int firstDifference(RefArray want, float[] got) {
        double scale = 0;
        for (float v : want.data()) if (Float.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        double tol = 2e-4 * (1 + scale);
        for (int k = 0; k < got.length; k++) {
            float w = want.data()[k];
            boolean same = Float.isNaN(w) ? Float.isNaN(got[k]) : Float.isInfinite(w) ? got[k] == w
                    : Math.abs(got[k] - w) <= tol;
            if (!same) return k;
        }
        return -1;
    }

    /** For a failure's message: the first value of the graph that differs, computed by a model of the same layers that outputs every value. */
    private static String firstValueOff(RandomGraph g, Model m, List<Tensor> x) {
        List<RandomGraph.Value> all = g.values.subList(g.inputs.size(), g.values.size());
        try (Functional every = Functional.of("every", g.inputs.stream().map(RandomGraph.Value::t).toList(),
                all.stream().map(RandomGraph.Value::t).toList())) {
            every.setExtremes(m.extremes());
            List<Tensor> out = every.predict(x);
            try {
                for (int i = 0; i < all.size(); i++) {
                    if (firstDifference(all.get(i).value(), out.get(i).toFloatArray()) >= 0) return all.get(i).t().toString();
                }
                return "none, when every value is an output";
            } finally {
                out.forEach(Tensor::close);
            }
        }
    }
}

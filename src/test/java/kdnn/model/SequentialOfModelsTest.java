package kdnn.model;

import static kdnn.model.GraphReference.assertClose;
import static kdnn.model.GraphReference.layer;
import static kdnn.model.GraphReference.random;
import static kdnn.model.GraphReference.randomizeWeights;
import static kdnn.model.GraphReference.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.Activation;
import kdnn.layers.Add;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Conv2D;
import kdnn.layers.Dense;
import kdnn.layers.GlobalAveragePooling2D;
import kdnn.layers.Layer;
import kdnn.layers.Padding;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Sequential model holding whole models, as Keras users build a classifier on a pretrained base
 * ({@code Sequential([base, GlobalAveragePooling2D(), Dense(n)])}): it computes as its parts do,
 * and every file format writes and reads it back as a Sequential with the same values.
 */
class SequentialOfModelsTest {
    private static final double TOL = 1e-5;

    /** base (functional residual block) -> gap -> head (Sequential of two Dense), and the layers to check with. */
    private record Parts(Sequential model, Conv2D conv, BatchNormalization bn, Dense fc1, Dense fc2,
                         GlobalAveragePooling2D gap) {
    }

    private static Parts build() {
        Conv2D conv = Conv2D.builder(4, 3).name("base_conv").padding(Padding.SAME).build();
        BatchNormalization bn = BatchNormalization.builder().name("base_bn").build();
        KerasTensor x = KerasTensor.input("base_in", -1, 6, 6, 4);
        Functional base = Functional.of("base", List.of(x), List.of(Add.of("base_add").apply(bn.apply(conv.apply(x)), x)));
        GlobalAveragePooling2D gap = GlobalAveragePooling2D.builder().name("gap").build();
        Dense fc1 = Dense.builder(5).name("fc1").activation(Activation.RELU).build();
        Dense fc2 = Dense.builder(3).name("fc2").activation(Activation.SOFTMAX).build();
        Sequential head = Sequential.of("head", List.of(fc1, fc2), -1, 4);
        Sequential model = Sequential.builder("classifier").add(base).add(gap).add(head).build(-1, 6, 6, 4);
        for (Layer l : List.of(conv, bn, fc1, fc2)) randomizeWeights(l, l.name().hashCode());
        return new Parts(model, conv, bn, fc1, fc2, gap);
    }

    private static RefArray reference(Parts p, RefArray in) {
        RefArray base = GraphReference.add(layer(p.bn(), layer(p.conv(), in)), in);
        return layer(p.fc2(), layer(p.fc1(), layer(p.gap(), base)));
    }

    @Test
    void itComputesAsItsPartsAndListsThemAsKerasDoes() {
        Parts p = build();
        try (Sequential m = p.model()) {
            assertEquals(List.of("base", "gap", "head"), m.ops().stream()
                    .map(o -> o instanceof Layer l ? l.name() : ((Model) o).name()).toList());
            assertEquals(List.of("base_conv", "base_bn", "base_add", "gap", "fc1", "fc2"),
                    m.layers().stream().map(Layer::name).toList(), "the layers, nested models' in their place");
            assertArrayEquals(new long[] {-1, 3}, m.outputShape());
            RefArray in = random(3, 2, 6, 6, 4);
            try (Tensor t = tensor(in); Tensor y = m.predict(t)) {
                assertClose(reference(p, in), y, TOL);
            }
            String summary = m.summary();
            assertTrue(summary.contains("base (Functional)") && summary.contains("head (Sequential)")
                    && summary.contains("gap (GlobalAveragePooling2D"), summary);
        }
        assertTrue(p.conv().isClosed() && p.fc2().isClosed() && p.gap().isClosed(), "closing it closes the nested models");
    }

    @Test
    void everyFormatWritesAndReadsItBackAsASequential(@TempDir Path dir) throws Exception {
        Parts p = build();
        RefArray in = random(4, 2, 6, 6, 4);
        try (Sequential m = p.model(); Tensor t = tensor(in); Tensor want = m.predict(t)) {
            for (String file : List.of("m.h5", "m.keras", "tfjs")) {
                Path f = dir.resolve(file);
                Models.save(m, f);
                try (Model back = Models.load(f); Tensor got = back.predict(t)) {
                    assertEquals("Sequential", back.className(), file);
                    assertEquals(List.of("base", "gap", "head"), ((Sequential) back).ops().stream()
                            .map(o -> o instanceof Layer l ? l.name() : ((Model) o).name()).toList(), file);
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), file);
                    assertEquals(m.summary(), back.summary(), file);
                }
            }
        }
    }

    @Test
    void aKeras2ConfigWithANestedSequentialFirstLoads() throws Exception {
        String config = """
                {"class_name": "Sequential", "config": {"name": "outer", "layers": [
                  {"class_name": "InputLayer", "config": {"name": "image", "batch_input_shape": [null, 3, 3, 2]}},
                  {"class_name": "Sequential", "config": {"name": "features", "layers": [
                    {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [1, 1], "use_bias": false}}]}},
                  {"class_name": "Flatten", "config": {"name": "flat"}}]}}""";
        ModelConfigs.WeightSource ones = (path, layer, expected) -> expected.stream()
                .map(w -> new kdnn.layers.Weight(w.name(), w.shape(), filled(w.shape(), 1f))).toList();
        try (Model m = ModelConfigs.build(new ObjectMapper().readTree(config), ones);
             Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 1, 3, 3, 2);
             Tensor y = m.predict(x)) {
            assertEquals(List.of("image"), m.inputNames(), "the declared input keeps its name");
            assertArrayEquals(new long[] {1, 18}, y.shape());
            // a 1x1 convolution of ones: each pixel's two channels summed, twice
            assertEquals(3f, y.get(0));
            assertEquals(3f, y.get(1));
            assertEquals(35f, y.get(17));
        }
        // a nested model of two outputs cannot be a step of a Sequential
        KerasTensor a = KerasTensor.input("a", -1, 2);
        Dense d1 = Dense.builder(2).name("d1").build();
        Dense d2 = Dense.builder(2).name("d2").build();
        try (Functional two = Functional.of("two", List.of(a), List.of(d1.apply(a), d2.apply(a)))) {
            var e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder("s").add(two).build(-1, 2));
            assertTrue(e.getMessage().contains("layer \"two\" (Functional)") && e.getMessage().contains("must have one output"),
                    e.getMessage());
        }
    }

    private static float[] filled(int[] shape, float v) {
        long n = 1;
        for (int d : shape) n *= d;
        float[] out = new float[(int) n];
        java.util.Arrays.fill(out, v);
        return out;
    }
}

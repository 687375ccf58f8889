package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.BaseConv;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Precision;
import kdnn.runtime.Convolutions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A bf16 model: the values between its bf16 convolutions stay bf16 (the plan says so), its
 * outputs stay within bf16's precision of Keras' float32 ones on every golden functional model,
 * and going back to float32, for the model or one layer, plans again.
 */
class Bf16ModelTest {
    @TestFactory
    Stream<DynamicTest> bf16StaysWithinItsPrecisionOfKerasOnEveryGoldenFunctionalModel() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(TestData.functionalModels())) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertFalse(dirs.isEmpty());
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    private static void check(Path dir) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        try (Model model = Models.load(dir.resolve("model.keras")); Inputs in = Inputs.of(expected)) {
            if (!Convolutions.bf16Supported()) {
                assertThrows(UnsupportedOperationException.class, () -> model.setPrecision(Precision.BF16));
                return;
            }
            List<float[]> f32 = predict(model, in.tensors);
            model.setPrecision(Precision.BF16);
            List<float[]> bf16 = predict(model, in.tensors);
            for (int k = 0; k < bf16.size(); k++) {
                float[] want = in.outputs.get(k);
                double scale = 0, worst = 0;
                for (float v : want) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(bf16.get(k)[i] - want[i]));
                // bf16 keeps 8 bits: ~0.4% per rounding of inputs, weights and stored values, a few layers deep
                assertTrue(worst <= 0.03 * Math.max(scale, 1e-3), dir.getFileName() + " output " + k + ": bf16 differs"
                        + " from Keras by " + worst + ", outputs up to " + scale);
            }
            model.setPrecision(Precision.F32);
            List<float[]> again = predict(model, in.tensors);
            for (int k = 0; k < f32.size(); k++) {
                assertArrayEquals(f32.get(k), again.get(k), dir.getFileName() + ": float32 again, output " + k);
            }
        }
    }

    @Test
    void valuesBetweenBf16ConvolutionsStayBf16UntilALayerLeavesBf16() throws IOException {
        Path dir = TestData.functionalModels().resolve("resnet_tiny");
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        try (Model model = Models.load(dir.resolve("model.keras")); Inputs in = Inputs.of(expected)) {
            long[] shape = in.tensors.get(0).shape();
            String f32Plan = model.plan(shape);
            assertFalse(f32Plan.contains(" bf16"), f32Plan);
            if (!Convolutions.bf16Supported()) return;
            model.setPrecision(Precision.BF16);
            String bf16Plan = model.plan(shape);
            assertTrue(bf16Plan.contains(" bf16"), bf16Plan);
            List<float[]> allBf16 = predict(model, in.tensors);
            // one convolution back in float32: the values it reads and writes are float32 again
            assertTrue(bf16Plan.contains("conv2_block1_1_relu fused as its activation <- v4 -> v5 (2, 16, 16, 16) bf16"),
                    bf16Plan);
            ((BaseConv) model.layer("conv2_block1_1_conv")).setPrecision(Precision.F32);
            String mixedPlan = model.plan(shape);
            assertNotEquals(bf16Plan, mixedPlan);
            List<float[]> mixed = predict(model, in.tensors);
            assertEquals(allBf16.size(), mixed.size());
            for (int k = 0; k < mixed.size(); k++) {
                float[] want = in.outputs.get(k);
                double scale = 0;
                for (float v : want) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < want.length; i++) {
                    assertTrue(Math.abs(mixed.get(k)[i] - want[i]) <= 0.03 * Math.max(scale, 1e-3), "value " + i);
                }
            }
            // the KERAS mode's checks read float32: its plan keeps every value float32
            model.setExtremes(ExtremeValues.KERAS);
            assertFalse(model.plan(shape).contains(" bf16"), model.plan(shape));
        }
    }

    private static List<float[]> predict(Model model, List<Tensor> in) {
        List<Tensor> out = model.predict(in);
        try {
            List<float[]> values = new ArrayList<>();
            for (Tensor t : out) values.add(t.toFloatArray());
            return values;
        } finally {
            out.forEach(Tensor::close);
        }
    }

    /** The golden inputs as tensors, and the expected outputs. */
    private record Inputs(List<Tensor> tensors, List<float[]> outputs) implements AutoCloseable {
        static Inputs of(JsonNode expected) {
            List<Tensor> t = new ArrayList<>();
            for (JsonNode in : GoldenFunctionalModelsTest.list(expected, "input", "inputs")) t.add(Tensor.of(GoldenFunctionalModelsTest.floats(in.get("data")),
                    GoldenFunctionalModelsTest.longs(in.get("shape"))));
            List<float[]> o = new ArrayList<>();
            for (JsonNode out : GoldenFunctionalModelsTest.list(expected, "output", "outputs")) o.add(GoldenFunctionalModelsTest.floats(out.get("data")));
            return new Inputs(t, o);
        }

        @Override
        public void close() {
            tensors.forEach(Tensor::close);
        }
    }
}

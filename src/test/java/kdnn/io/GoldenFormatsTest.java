package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kdnn.layers.Weight;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden model folder holds one model three times (TF.js model.json + weights.bin, Keras 2
 * model.h5, Keras 3 model.keras): read, they give bitwise identical weights per layer path and
 * equivalent configs (ConfigEquivalence lists the tolerated writer differences).
 */
class GoldenFormatsTest {
    @TestFactory
    Stream<DynamicTest> threeFormsOfEachGoldenModelAgree() throws IOException {
        List<Path> folders = new ArrayList<>(SharedFiles.modelFolders("models"));
        folders.addAll(SharedFiles.modelFolders("functional-models"));
        assertFalse(folders.isEmpty());
        return folders.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            ModelSource tfjs = ModelReader.read(dir.resolve("model.json"));
            ModelSource h5 = ModelReader.read(dir.resolve("model.h5"));
            ModelSource keras = ModelReader.read(dir.resolve("model.keras"));
            assertEquals("tfjs", tfjs.format());
            assertEquals("keras2-h5", h5.format());
            assertEquals("2.12.0", h5.kerasVersion());
            assertEquals(2, h5.kerasMajor());
            assertEquals("keras3-zip", keras.format());
            assertEquals("3.15.1", keras.kerasVersion());
            assertEquals(3, keras.kerasMajor());
            assertFalse(tfjs.weights().isEmpty());
            assertSameWeights(tfjs.weights(), h5.weights(), "model.json vs model.h5", true);
            assertSameWeights(h5.weights(), keras.weights(), "model.h5 vs model.keras", false);
            assertEquals(List.of(), ConfigEquivalence.differences(tfjs.modelConfig(), h5.modelConfig()), "model.json vs model.h5");
            assertEquals(List.of(), ConfigEquivalence.differences(h5.modelConfig(), keras.modelConfig()), "model.h5 vs model.keras");
            depthMultipliersMatchKernels(h5);
            // the folder reads as its first model file, and the bytes of each file read as the file
            assertEquals(tfjs.weights().keySet(), ModelReader.read(dir).weights().keySet());
            try (InputStream in = Files.newInputStream(dir.resolve("model.keras"))) {
                assertSameWeights(keras.weights(), ModelReader.read(in).weights(), "model.keras as a stream", true);
            }
            assertSameWeights(h5.weights(), ModelReader.read(Files.readAllBytes(dir.resolve("model.h5"))).weights(),
                    "model.h5 as bytes", true);
        }));
    }

    /** TF.js leaves SeparableConv2D's depth_multiplier out: the depthwise kernel (kh, kw, in, multiplier) says it. */
    private static void depthMultipliersMatchKernels(ModelSource s) {
        for (LayerTree l : LayerTree.leaves(LayerTree.of(s.modelConfig()))) {
            if (l.className().equals("SeparableConv2D")) {
                int[] shape = s.weights().get(l.path()).get(0).shape();
                assertEquals(l.config().path("depth_multiplier").asInt(1), shape[3], l.path());
            }
        }
    }

    /**
     * Same layer paths in the same order, same shapes, bitwise the same values. Names too, except
     * between Keras 2 and Keras 3, which name DepthwiseConv's kernel "depthwise_kernel" and "kernel".
     */
    static void assertSameWeights(Map<String, List<Weight>> a, Map<String, List<Weight>> b, String what, boolean names) {
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()), what + ": layer paths");
        for (String layer : a.keySet()) {
            List<Weight> wa = a.get(layer);
            List<Weight> wb = b.get(layer);
            assertEquals(wa.size(), wb.size(), what + ": " + layer + " weight count");
            for (int i = 0; i < wa.size(); i++) {
                String w = what + ": " + layer + " weight " + i + " (" + wa.get(i).name() + ")";
                if (names) {
                    assertEquals(wa.get(i).name(), wb.get(i).name(), w);
                } else {
                    assertTrue(wa.get(i).name().equals(wb.get(i).name())
                            || wa.get(i).name().equals("depthwise_kernel") && wb.get(i).name().equals("kernel"), w);
                }
                assertArrayEquals(wa.get(i).shape(), wb.get(i).shape(), w);
                float[] va = wa.get(i).values();
                float[] vb = wb.get(i).values();
                assertEquals(va.length, vb.length, w);
                for (int k = 0; k < va.length; k++) {
                    if (Float.floatToRawIntBits(va[k]) != Float.floatToRawIntBits(vb[k])) {
                        throw new AssertionError(w + ": value " + k + " differs: " + va[k] + " vs " + vb[k]);
                    }
                }
            }
        }
    }
}

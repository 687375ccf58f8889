package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.layers.Weight;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TF.js models whose converter quantized the weights ({@code --quantize_uint8}, {@code _uint16},
 * {@code _float16}): a golden model's weights quantized here as the converter stores them load as
 * TF.js decodes them, and the model computes within the quantization's error.
 */
class TfjsQuantizedWeightsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = TestData.models().resolve("cnn_classifier");

    /** One weight quantized: its bytes, its manifest entry and the float32 values TF.js decodes from them. */
    private record Quantized(byte[] bytes, float[] decoded, double scale) {
    }

    private static Quantized quantize(float[] w, String dtype, ObjectNode entry) {
        ByteBuffer out = ByteBuffer.allocate(w.length * (dtype.equals("uint8") ? 1 : 2)).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[w.length];
        if (dtype.equals("float16")) {
            for (int i = 0; i < w.length; i++) {
                short h = Float.floatToFloat16(w[i]);
                out.putShort(h);
                decoded[i] = Float.float16ToFloat(h);
            }
            entry.putObject("quantization").put("dtype", "float16");
            return new Quantized(out.array(), decoded, 0);
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : w) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int levels = dtype.equals("uint8") ? 255 : 65535;
        double scale = max > min ? (max - (double) min) / levels : 1;
        for (int i = 0; i < w.length; i++) {
            int q = (int) Math.round((w[i] - min) / scale);
            if (levels == 255) out.put((byte) q); else out.putShort((short) q);
            decoded[i] = (float) (q * scale + min);
        }
        entry.putObject("quantization").put("dtype", dtype).put("min", (double) min).put("scale", scale);
        return new Quantized(out.array(), decoded, scale);
    }

    /** Writes the golden model with every weight quantized as {@code dtype}; returns the decoded values by manifest name. */
    private static List<Quantized> writeQuantized(Path dir, String dtype) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(MODEL.resolve("model.json").toFile());
        ByteBuffer plain = ByteBuffer.wrap(Files.readAllBytes(MODEL.resolve("weights.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        List<Quantized> all = new ArrayList<>();
        for (var group : root.get("weightsManifest")) {
            for (var w : group.get("weights")) {
                int n = 1;
                for (var d : w.get("shape")) n *= d.asInt();
                float[] values = new float[n];
                plain.asFloatBuffer().get(values);
                plain.position(plain.position() + n * Float.BYTES);
                Quantized q = quantize(values, dtype, (ObjectNode) w);
                bin.write(q.bytes());
                all.add(q);
            }
            ((ObjectNode) group).putArray("paths").add("group1-shard1of1.bin");
        }
        Files.write(dir.resolve("group1-shard1of1.bin"), bin.toByteArray());
        Files.writeString(dir.resolve("model.json"), JSON.writeValueAsString(root));
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"uint8", "uint16", "float16"})
    void quantizedWeightsLoadAsTfjsDecodesThemAndTheModelComputes(String dtype, @TempDir Path dir) throws Exception {
        List<Quantized> written = writeQuantized(dir, dtype);
        // the manifest's order is the model's weight order, as the reader hands them over
        List<float[]> loaded = new ArrayList<>();
        ModelReader.read(dir).weights().values().forEach(ws -> ws.forEach(w -> loaded.add(w.values())));
        List<float[]> plain = new ArrayList<>();
        ModelReader.read(MODEL).weights().values().forEach(ws -> ws.forEach(w -> plain.add(w.values())));
        assertEquals(written.size(), loaded.size());
        int checked = 0;
        for (Quantized q : written) {
            int k = indexOfDecoded(loaded, q.decoded());
            assertTrue(k >= 0, dtype + ": a weight did not load as TF.js decodes it");
            float[] original = plain.get(k);
            for (int i = 0; i < original.length; i++) {
                double err = Math.abs(original[i] - q.decoded()[i]);
                double bound = dtype.equals("float16") ? Math.abs(original[i]) * 0x1p-11 + 0x1p-25 : q.scale() * 0.5 + 1e-7;
                assertTrue(err <= bound, dtype + ": value " + i + " is " + q.decoded()[i] + " for " + original[i]);
            }
            checked += original.length;
        }
        assertTrue(checked > 1000, "weights checked: " + checked);

        var ex = LoadedModelsComputeTest.expectedJson(MODEL.resolve("expected.json"));
        try (Model m = Models.load(dir); Model f = Models.load(MODEL);
             Tensor in = Tensor.of(ex.ins().get(0), ex.inShapes().get(0));
             Tensor y = m.predict(in); Tensor want = f.predict(in)) {
            float[] a = y.toFloatArray();
            float[] b = want.toFloatArray();
            double tol = switch (dtype) {
                case "uint8" -> 0.05;
                case "uint16" -> 1e-3;
                default -> 5e-3;
            };
            double maxErr = 0;
            boolean anyDifferent = false;
            for (int i = 0; i < a.length; i++) {
                maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
                anyDifferent |= a[i] != b[i];
            }
            assertTrue(maxErr <= tol, dtype + ": output differs from the float32 model's by " + maxErr);
            assertTrue(anyDifferent, dtype + ": the quantized weights were not used");
        }
    }

    private static int indexOfDecoded(List<float[]> loaded, float[] decoded) {
        for (int k = 0; k < loaded.size(); k++) {
            if (java.util.Arrays.equals(loaded.get(k), decoded)) return k;
        }
        return -1;
    }

    @Test
    void unknownQuantizationsAndMissingMetadataAreRefusedByName(@TempDir Path dir) throws Exception {
        String manifest = """
                {"modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
                  {"class_name": "Dense", "config": {"name": "d", "units": 1, "use_bias": false,
                   "batch_input_shape": [null, 2]}}]}},
                 "weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "d/kernel", "shape": [2, 1], "dtype": "float32",
                   "quantization": %s}]}]}""";
        Files.write(dir.resolve("w.bin"), new byte[] {0, (byte) 255});
        Path json = dir.resolve("model.json");
        Files.writeString(json, manifest.formatted("{\"dtype\": \"int4\"}"));
        var unknown = assertThrows(ModelFileException.class, () -> ModelReader.read(json));
        assertTrue(unknown.getMessage().contains("weight \"d/kernel\" has unknown quantization dtype \"int4\"; supported"
                + " quantization dtypes are 'uint8', 'uint16' and 'float16'"), unknown.getMessage());
        Files.writeString(json, manifest.formatted("{\"dtype\": \"uint8\", \"min\": -1}"));
        var noScale = assertThrows(ModelFileException.class, () -> ModelReader.read(json));
        assertTrue(noScale.getMessage().contains("with quantization uint8 doesn't have corresponding metadata min and scale"),
                noScale.getMessage());
        Files.writeString(json, manifest.formatted("{\"dtype\": \"uint8\", \"min\": -1, \"scale\": 0.5}"));
        Weight w = ModelReader.read(json).weights().get("d").get(0);
        assertEquals(List.of(-1f, 126.5f), List.of(w.values()[0], w.values()[1]));
        // two uint8 values are two bytes: a float32-sized shard is too long
        Files.write(dir.resolve("w.bin"), new byte[8]);
        var tooLong = assertThrows(ModelFileException.class, () -> ModelReader.read(json));
        assertTrue(tooLong.getMessage().contains("lists 2 bytes"), tooLong.getMessage());
    }
}

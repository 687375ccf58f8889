package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

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
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden functional model, from each of its three files, fused, unfused and with its batch
 * run one sample at a time, gives the outputs of its {@code expected.json} (computed by Keras and NumPy), in the model's output order.
 */
class GoldenFunctionalModelsTest {
    @TestFactory
    Stream<DynamicTest> everyGoldenFunctionalModelGivesItsExpectedOutputs() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(TestData.functionalModels())) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertFalse(dirs.isEmpty());
        return dirs.stream().flatMap(dir -> Stream.of("model.json", "model.h5", "model.keras").map(file ->
                DynamicTest.dynamicTest(dir.getFileName() + "/" + file, () -> check(dir, file))));
    }

    private static void check(Path dir, String file) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        List<JsonNode> ins = list(expected, "input", "inputs");
        List<JsonNode> outs = list(expected, "output", "outputs");
        double atol = expected.path("atol").asDouble(1e-4);
        double rtol = expected.path("rtol").asDouble(1e-4);
        try (Model model = Models.load(dir.resolve(file))) {
            List<Tensor> inputs = new ArrayList<>();
            for (JsonNode in : ins) inputs.add(Tensor.of(floats(in.get("data")), longs(in.get("shape"))));
            try {
                if (ins.size() > 1) {
                    assertEquals(ins.stream().map(n -> n.get("name").asText()).toList(), model.inputNames());
                    assertEquals(outs.stream().map(n -> n.get("name").asText()).toList(), model.outputNames());
                }
                // fused, unfused, and fused with the batch run one sample at a time
                for (int run = 0; run < 3; run++) {
                    boolean fused = run != 1;
                    model.setFusion(fused);
                    model.setBatchSlice(run == 2 ? 1 : 0);
                    List<Tensor> got = model.predict(inputs);
                    try {
                        for (int k = 0; k < outs.size(); k++) {
                            float[] want = floats(outs.get(k).get("data"));
                            float[] have = got.get(k).toFloatArray();
                            assertEquals(want.length, have.length, "output " + k);
                            for (int i = 0; i < want.length; i++) {
                                if (!(Math.abs(want[i] - have[i]) <= atol + rtol * Math.abs(want[i]))) {
                                    fail(List.of("fused", "unfused", "sliced").get(run) + " output " + k + " value " + i + ": " + have[i]
                                            + ", expected " + want[i]);
                                }
                            }
                        }
                    } finally {
                        got.forEach(Tensor::close);
                    }
                }
            } finally {
                inputs.forEach(Tensor::close);
            }
        }
    }

    static List<JsonNode> list(JsonNode expected, String one, String many) {
        if (expected.has(one)) return List.of(expected.get(one));
        List<JsonNode> l = new ArrayList<>();
        expected.get(many).forEach(l::add);
        return l;
    }

    static float[] floats(JsonNode a) {
        List<Float> flat = new ArrayList<>();
        flatten(a, flat);
        float[] f = new float[flat.size()];
        for (int i = 0; i < f.length; i++) f[i] = flat.get(i);
        return f;
    }

    private static void flatten(JsonNode a, List<Float> out) {
        if (a.isArray()) a.forEach(x -> flatten(x, out));
        else out.add((float) a.asDouble());
    }

    static long[] longs(JsonNode a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) l[i] = a.get(i).asLong();
        return l;
    }
}

package kdnn.io;

import static kdnn.io.WeightsFileTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * Broken and hostile model files, each refused with a ModelFileException that says what is wrong:
 * truncated and hand-broken HDF5, zips that escape their folder, bomb, lie or lack members.
 */
class HostileModelFilesTest {
    private static final String CONV1D = "keras-files/keras-2.3.1-conv1d/conv1d_k2_s1_d1_cl_same_model.h5";

    private static byte[] shared(String path) throws IOException {
        return Files.readAllBytes(SharedFiles.shared().resolve(path));
    }

    /** The members of a real .keras file, to rebuild it with one thing changed. */
    private static Map<String, byte[]> kerasMembers() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(
                SharedFiles.shared().resolve("functional-models/nested/model.keras")))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) out.put(e.getName(), z.readAllBytes());
        }
        return out;
    }

    @Test
    void truncatedHdf5IsRefusedAtEveryCut() throws IOException {
        byte[] file = shared(CONV1D);
        for (int cut = 0; cut < file.length; cut += Math.max(1, file.length / 60)) {
            byte[] part = java.util.Arrays.copyOf(file, cut);
            int at = cut;
            assertRefused(() -> ModelReader.read(part), at < 8 ? "" : "<bytes>");
        }
    }

    @Test
    void handBrokenAttributesAreRefusedNamingWhatIsWrong() throws IOException {
        byte[] file = shared(CONV1D);
        assertEquals("keras2-h5", ModelReader.read(file).format());
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "conv0/bias:0", "conv0/bixs:0")),
                "layer \"conv0\": weight_names lists \"conv0/bixs:0\", which is not in the file");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "tensorflow", "theano\0\0\0\0")), "Theano");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "2.3.1", "1.2.2")), "Keras 1.2.2", "Keras 1");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "\"use_bias\": true,", "\"use_bias\":false,")),
                "layer \"conv0\" (Conv1D) has 1 weights in Keras [kernel]", "gives it 2");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "layer_names", "layer_namez")), "layer_names");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "model_config", "model_confik")), "model_config");
        assertRefused(() -> ModelReader.read(Fixtures.patch(file, "\"class_name\"", "\"class_namX\"")), "class_name");
    }

    @Test
    void zipEntriesThatLeaveTheArchiveAreRefused() throws IOException {
        for (String evil : new String[] {"../evil.sh", "assets/../../evil", "/etc/cron.d/x", "C:/x", "a\\..\\..\\b"}) {
            Map<String, byte[]> m = kerasMembers();
            m.put(evil, "x".getBytes(StandardCharsets.UTF_8));
            byte[] zip = Fixtures.zip(m);
            assertRefused(() -> ModelReader.read(zip), "\"" + evil + "\"", "would leave the archive");
        }
    }

    @Test
    void missingMembersAndForeignVersionsAreRefused() throws IOException {
        for (String member : new String[] {"metadata.json", "config.json", "model.weights.h5"}) {
            Map<String, byte[]> m = kerasMembers();
            m.remove(member);
            byte[] zip = Fixtures.zip(m);
            assertRefused(() -> ModelReader.read(zip), "no member \"" + member + "\"");
        }
        Map<String, byte[]> m = kerasMembers();
        m.put("metadata.json", "{\"keras_version\": \"2.13.1\"}".getBytes(StandardCharsets.UTF_8));
        byte[] zip = Fixtures.zip(m);
        assertRefused(() -> ModelReader.read(zip), "metadata.json", "2.13.1", "Keras 3");
        Map<String, byte[]> twice = kerasMembers();
        byte[] whole = Fixtures.zip(twice);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        assertRefused(() -> ModelReader.read(cut), "<bytes>");
        Map<String, byte[]> badWeights = kerasMembers();
        byte[] w = badWeights.get("model.weights.h5");
        badWeights.put("model.weights.h5", java.util.Arrays.copyOf(w, w.length / 3));
        byte[] truncatedMember = Fixtures.zip(badWeights);
        assertRefused(() -> ModelReader.read(truncatedMember), "model.weights.h5");
    }

    @Test
    void zipBombsAreRefusedBeforeOrWhileInflating() throws IOException {
        byte[] small = new byte[64];
        // a declared size beyond what kdnn reads: refused before inflating
        assertRefused(() -> ModelReader.read(Fixtures.lyingZip("model.weights.h5", small, 0xF0000000L)),
                "model.weights.h5", "declares 4026531840 bytes");
        // a declared size deflate cannot reach from so few bytes
        assertRefused(() -> ModelReader.read(Fixtures.lyingZip("config.json", small, 100_000_000L)), "implausible");
        // a member that inflates far beyond what it declares: stopped at the declared size
        byte[] zeros = new byte[4 << 20];
        assertRefused(() -> ModelReader.read(Fixtures.lyingZip("config.json", zeros, 1000)),
                "inflates to more than the 1000 bytes it declares");
        // a member that inflates beyond its cap, declaring nothing (data descriptor): stopped at the cap
        // (a 1 MiB cap stands in for kdnn's 256 MiB one, to keep the test fast)
        byte[] bomb = Fixtures.zip(Map.of("metadata.json", new byte[8 << 20]));
        assertEquals(true, bomb.length < (64 << 10), "the bomb is small: " + bomb.length);
        assertRefused(() -> SafeZip.read(new java.io.ByteArrayInputStream(bomb), "bomb.keras",
                Map.of("metadata.json", 1L << 20), 2L << 20), "metadata.json", "inflates to more than 1048576 bytes");
        // an unwanted member counts against the archive's total
        assertRefused(() -> SafeZip.read(new java.io.ByteArrayInputStream(bomb), "bomb.keras",
                Map.of("config.json", 1L << 20), 2L << 20), "metadata.json", "inflates to more than 2097152 bytes");
    }

    @Test
    void notAModelFileIsRefusedSayingWhatItExpected() {
        assertRefused(() -> ModelReader.read(new byte[0]), "empty");
        assertRefused(() -> ModelReader.read("hello".getBytes(StandardCharsets.UTF_8)), "neither HDF5, a zip nor valid JSON");
        assertRefused(() -> ModelReader.read("{\"a\": 1}".getBytes(StandardCharsets.UTF_8)), "neither a TF.js");
        assertRefused(() -> ModelReader.read(("{\"modelTopology\": {\"class_name\": \"Sequential\", \"config\": {\"layers\": []}},"
                + " \"weightsManifest\": [{\"paths\": [\"w.bin\"], \"weights\": [{\"name\": \"c/kernel\", \"shape\": [1],"
                + " \"dtype\": \"float32\"}]}]}").getBytes(StandardCharsets.UTF_8)), "read it from its path");
    }

    @Test
    void tfjsShardsThatLeaveTheFolderOrAreShortAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String manifest = """
                {"modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
                  {"class_name": "Dense", "config": {"name": "d", "units": 1, "use_bias": false,
                   "batch_input_shape": [null, 2]}}]}},
                 "weightsManifest": [{"paths": ["%s"], "weights": [{"name": "d/kernel", "shape": [2, 1], "dtype": "float32"}]}]}""";
        Files.write(dir.resolve("w.bin"), new byte[4]);
        Path json = Files.writeString(dir.resolve("model.json"), manifest.formatted("w.bin"));
        assertRefused(() -> ModelReader.read(json), "hold 4 bytes", "lists 8 bytes");
        Files.writeString(json, manifest.formatted("../w.bin"));
        assertRefused(() -> ModelReader.read(json), "leaves the model's folder");
        Files.write(dir.resolve("w.bin"), new byte[8]);
        Files.writeString(json, manifest.formatted("w.bin"));
        assertEquals(2, ModelReader.read(dir).weights().get("d").get(0).values().length);
    }

    /** Standalone Keras 2.0-2.2 upsampled bilinearly as TensorFlow 1 did: refused, not computed the TensorFlow 2 way. */
    @Test
    void bilinearUpSamplingFromStandaloneKeras22IsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String model = """
                {"modelTopology": {"keras_version": "%s", "backend": "tensorflow", "model_config": {"class_name": "Sequential",
                  "config": {"name": "s", "layers": [
                  {"class_name": "UpSampling2D", "config": {"name": "first", "size": [1, 1], "batch_input_shape": [null, 3, 3, 1]}},
                  {"class_name": "UpSampling2D", "config": {"name": "up", "size": [2, 2], "interpolation": "%s"}}]}}}}""";
        Path json = dir.resolve("model.json");
        Files.writeString(json, model.formatted("2.2.4", "bilinear"));
        assertRefused(() -> Models.load(json), "layer \"up\" (UpSampling2D) interpolates bilinearly, and the file was"
                + " written by Keras 2.2.4, whose bilinear upsampling is TensorFlow 1's resize_bilinear");
        for (String[] ok : new String[][] {{"2.2.4", "nearest"}, {"2.3.1", "bilinear"}, {"2.2.4-tf", "bilinear"}, {"2.12.0", "bilinear"}}) {
            Files.writeString(json, model.formatted(ok[0], ok[1]));
            try (var m = Models.load(json)) {
                assertEquals(2, m.allLayers().stream().filter(l -> l.className().equals("UpSampling2D")).count(), ok[0]);
            }
        }
    }
}

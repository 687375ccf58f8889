package kdnn.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import kdnn.layers.Weight;
import kdnn.model.Model;

/**
 * Writes Keras 3's {@code .keras} zip as Keras 3.15.1's {@code model.save("x.keras")} does:
 * {@code metadata.json}, {@code config.json} ({@link Keras3Config}) and {@code model.weights.h5},
 * whose layer groups are keyed by class ({@code layers/conv2d_1/vars/0}), the members stored
 * uncompressed.
 */
final class Keras3Writer {
    static final String KERAS_VERSION = "3.15.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Keras3Writer() {
    }

    static void write(Model model, Path file) throws IOException {
        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("keras_version", KERAS_VERSION);
        metadata.put("date_saved", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss")));
        byte[] config = JSON.writeValueAsBytes(Keras3Config.of(model));
        byte[] weights = weightsFile(model);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, "metadata.json", JSON.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8));
            stored(zip, "config.json", config);
            stored(zip, "model.weights.h5", weights);
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** model.weights.h5, written through a temporary file: jHDF writes to paths only. */
    private static byte[] weightsFile(Model model) throws IOException {
        Path tmp = Files.createTempFile("kdnn-weights", ".h5");
        try {
            try (WritableHdfFile h5 = HdfFile.write(tmp)) {
                h5.putGroup("vars").putAttribute("name", model.name());
                layers(h5, model);
            }
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** layers/<key>/vars/<i> for each layer, keys from classes numbered in order; nested models recurse. */
    private static void layers(WritableGroup parent, Model model) {
        WritableGroup layers = parent.putGroup("layers");
        Map<String, Integer> used = new HashMap<>();
        for (Object o : SavedLayers.layers(model)) {
            String key = Keras3Weights.snakeCase(SavedLayers.className(o));
            int n = used.merge(key, 0, (a, b) -> a + 1);
            if (n > 0) key = key + "_" + n;
            WritableGroup g = layers.putGroup(key);
            WritableGroup vars = g.putGroup("vars");
            vars.putAttribute("name", SavedLayers.name(o));
            if (o instanceof Model m) {
                layers(g, m);
                continue;
            }
            List<Weight> weights = ((kdnn.layers.Layer) o).getWeights();
            for (int i = 0; i < weights.size(); i++) vars.putDataset(Integer.toString(i), Hdf5Writing.nested(weights.get(i)));
        }
    }
}

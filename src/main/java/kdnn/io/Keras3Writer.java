package kdnn.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.zip.CheckedOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import kdnn.layers.Layer;
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
        Hdf5Tree.Group weights = weightsFile(model);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, "metadata.json", JSON.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8));
            stored(zip, "config.json", config);
            storedHdf5(zip, "model.weights.h5", weights);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file); // no half-written archive left behind
            throw e;
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

    /**
     * model.weights.h5 as a stored entry: a stored entry's size and CRC come before its bytes, so
     * the file is written twice, first only to count and checksum it (the weights are fetched
     * again rather than held in memory).
     */
    private static void storedHdf5(ZipOutputStream zip, String name, Hdf5Tree.Group h5) throws IOException {
        CRC32 crc = new CRC32();
        long size;
        try (CheckedOutputStream counted = new CheckedOutputStream(OutputStream.nullOutputStream(), crc)) {
            size = Hdf5Writer.write(h5, counted);
        }
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        Hdf5Writer.write(h5, zip);
        zip.closeEntry();
    }

    /** model.weights.h5's content: {@code vars} named after the model, then its layers. */
    static Hdf5Tree.Group weightsFile(Model model) {
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        root.group("vars").attribute("name", Hdf5Tree.VarStrings.scalar(model.name(), true));
        layers(root, model);
        return root;
    }

    /** layers/<key>/vars/<i> for each layer, keys from classes numbered in order; nested models recurse. */
    private static void layers(Hdf5Tree.Group parent, Model model) {
        Hdf5Tree.Group layers = parent.group("layers");
        Map<String, Integer> used = new HashMap<>();
        for (Object o : SavedLayers.layers(model)) {
            if (o instanceof kdnn.layers.KerasOperation) continue; // an operation is not among Keras 3's model.layers
            String key = Keras3Weights.snakeCase(SavedLayers.className(o));
            int n = used.merge(key, 0, (a, b) -> a + 1);
            if (n > 0) key = key + "_" + n;
            Hdf5Tree.Group g = layers.group(key);
            Hdf5Tree.Group vars = g.group("vars");
            vars.attribute("name", Hdf5Tree.VarStrings.scalar(SavedLayers.name(o), true));
            if (o instanceof Model m) {
                layers(g, m);
                continue;
            }
            Layer layer = (Layer) o;
            List<Weight> weights = layer.getWeights();
            if (layer instanceof kdnn.layers.MultiHeadAttention mha) {
                // Keras 3 saves its projections, each its kernel then its bias
                List<String> parts = Keras3Weights.attentionParts(mha.useGate(), mha.keyValueHeads() != null);
                int per = weights.size() / parts.size();
                for (int p = 0; p < parts.size(); p++) {
                    Hdf5Tree.Group dense = g.group(parts.get(p)).group("vars");
                    for (int i = 0; i < per; i++) {
                        dense.dataset(Integer.toString(i), weights.get(p * per + i).shape(),
                                SavedLayers.values(layer, p * per + i));
                    }
                }
                continue;
            }
            if (layer instanceof kdnn.layers.Bidirectional) {
                // Keras 3 saves its two layers' cells: forward_layer/cell/vars, then backward_layer/cell/vars
                int half = weights.size() / 2;
                for (int side = 0; side < 2; side++) {
                    Hdf5Tree.Group cell = g.group(side == 0 ? "forward_layer" : "backward_layer").group("cell").group("vars");
                    for (int i = 0; i < half; i++) {
                        cell.dataset(Integer.toString(i), weights.get(side * half + i).shape(),
                                SavedLayers.values(layer, side * half + i));
                    }
                }
                continue;
            }
            if (layer instanceof kdnn.layers.SpectralNormalization sn) {
                // Keras 3 saves its layer's weights at layer/vars, its own as vars: the kernel again, then vector_u
                int inner = sn.layer().getWeights().size();
                Hdf5Tree.Group layerVars = g.group("layer").group("vars");
                int kernel = -1;
                for (int i = 0; i < inner; i++) {
                    layerVars.dataset(Integer.toString(i), weights.get(i).shape(), SavedLayers.values(layer, i));
                    String weightName = weights.get(i).name();
                    if (kernel < 0 && (weightName.equals("kernel") || weightName.equals("embeddings"))) kernel = i;
                }
                vars.dataset("0", weights.get(kernel).shape(), SavedLayers.values(layer, kernel));
                vars.dataset("1", weights.get(inner).shape(), SavedLayers.values(layer, inner));
                continue;
            }
            if (layer instanceof kdnn.layers.StackedRNN stacked) {
                // Keras 3 saves the stacked cells under cell/cells, each by its class
                List<String> cells = Keras3Weights.stackedCells(layer.className(), layer.getConfig());
                int at = 0;
                for (int c = 0; c < cells.size(); c++) {
                    Hdf5Tree.Group cell = g.group("cell").group("cells").group(cells.get(c)).group("vars");
                    int count = stacked.cellLayers().get(c).getWeights().size();
                    for (int i = 0; i < count; i++, at++) {
                        cell.dataset(Integer.toString(i), weights.get(at).shape(), SavedLayers.values(layer, at));
                    }
                }
                continue;
            }
            String attribute = Keras3Weights.innerAttribute(layer.className());
            if (attribute != null) {
                // Keras 3 saves a wrapper's layer (a recurrent layer's cell) under its attribute's name
                vars = g.group(attribute).group("vars");
            }
            for (int i = 0; i < weights.size(); i++) {
                vars.dataset(Integer.toString(i), weights.get(i).shape(), SavedLayers.values(layer, i));
            }
        }
    }
}

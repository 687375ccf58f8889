package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import kdnn.Tensor;
import kdnn.TestData;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Dense;
import kdnn.layers.Layer;
import kdnn.layers.ReLU;
import kdnn.layers.Weight;
import kdnn.model.Model;
import kdnn.model.Sequential;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HDF5 files kdnn writes have the layout of the golden ones (written as h5py writes Keras'
 * files): the same groups and datasets (names, shapes, float32 little-endian, bitwise values) and
 * the same attributes (names, types with their string form and charset, shapes, values). Also: a
 * weightless layer's empty float64 {@code weight_names}, and a model of more than 300 layers
 * (a group whose symbol table needs a B-tree of two levels) written, read back and computing the
 * same.
 */
class SavedHdf5LayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keras' lists of names: tf.keras passes a list of bytes, which h5py 3 stores as variable-length ASCII strings. */
    private static final Set<String> NAME_LISTS = Set.of("layer_names", "weight_names");
    private static final String H5PY3_NAMES = "vlen string US-ASCII NULL_TERMINATED";

    @TempDir
    Path tmp;

    private static List<Path> goldenFolders() throws IOException {
        return TestData.goldenModelFolders();
    }

    /** One attribute: its type (string form, charset, padding), shape and values. */
    record Attr(String type, String shape, List<String> values) {
    }

    /** Everything an HDF5 file holds, by path: groups, datasets (type, shape, values' checksum), attributes ("path@name"). */
    private static Map<String, Object> layout(Hdf5 h5) {
        Map<String, Object> out = new TreeMap<>();
        walk(h5, h5.root(), "", out);
        return out;
    }

    private static void walk(Hdf5 h5, Node node, String path, Map<String, Object> out) {
        for (Attribute a : node.getAttributes().values()) {
            List<String> values = a.getName().equals("model_config") ? List.of() : h5.stringList(node, a.getName());
            out.put(path + "@" + a.getName(), new Attr(type(a.getDataType()),
                    a.isScalar() ? "scalar" : Arrays.toString(a.getDimensions()), values));
        }
        if (node instanceof Group g) {
            out.put(path + "/", "group");
            for (Node child : g.getChildren().values()) walk(h5, child, path + "/" + child.getName(), out);
        } else {
            Dataset ds = (Dataset) node;
            CRC32 crc = new CRC32();
            for (float v : h5.floats(ds, path, path, new ArrayList<>()).values()) crc.update(Float.floatToRawIntBits(v));
            out.put(path, "dataset " + type(ds.getDataType()) + " " + Arrays.toString(ds.getDimensions()) + " crc "
                    + Long.toHexString(crc.getValue()));
        }
    }

    private static String type(DataType t) {
        if (t instanceof VariableLength v && v.isVariableLengthString()) {
            return "vlen string " + v.getEncoding().name() + " " + v.getPaddingType();
        }
        if (t instanceof StringData s) return "string " + s.getSize() + " " + s.getCharset().name() + " " + s.getPaddingType();
        if (t instanceof FloatingPoint f) return "float" + 8 * f.getSize() + " " + f.getByteOrder();
        return t.getClass().getSimpleName() + " " + t.getSize();
    }

    /**
     * Equal layouts. The one difference allowed: where a golden file holds a list of names in
     * h5py 2's form (fixed-length null-padded strings; the golden files have both forms, as real
     * Keras files do), kdnn's holds h5py 3's form of the same list, the one tf.keras 2.12 writes
     * through h5py 3, with the same values.
     */
    private static void assertSameLayout(Map<String, Object> golden, Map<String, Object> mine, String what) {
        assertEquals(golden.keySet(), mine.keySet(), what + ": the objects and attributes");
        for (String key : golden.keySet()) {
            Object g = golden.get(key);
            Object m = mine.get(key);
            if (g instanceof Attr ga && m instanceof Attr ma && NAME_LISTS.contains(key.substring(key.indexOf('@') + 1))
                    && ga.type().startsWith("string ")) {
                assertTrue(ga.type().endsWith("US-ASCII NULL_PADDED"), what + ": " + key + " " + ga.type());
                assertEquals(new Attr(H5PY3_NAMES, ga.shape(), ga.values()), ma, what + ": " + key);
            } else {
                assertEquals(g, m, what + ": " + key);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> anH5HasTheGoldenLayout() throws IOException {
        return goldenFolders().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Path out = tmp.resolve(dir.getFileName() + ".h5");
            try (Model m = Models.load(dir.resolve("model.h5"))) {
                Models.save(m, out);
            }
            try (Hdf5 golden = Hdf5.open(dir.resolve("model.h5"), "golden", Files.size(dir.resolve("model.h5")));
                 Hdf5 mine = Hdf5.open(out, "mine", Files.size(out))) {
                Map<String, Object> mineLayout = layout(mine);
                assertSameLayout(layout(golden), mineLayout, dir.getFileName().toString());
                assertEquals(new Attr("vlen string UTF-8 NULL_TERMINATED", "scalar", List.of("2.12.0")),
                        mineLayout.get("@keras_version"));
                assertEquals("vlen string US-ASCII NULL_TERMINATED", ((Attr) mineLayout.get("@model_config")).type());
                for (var e : mineLayout.entrySet()) {
                    if (e.getKey().endsWith("@layer_names") || e.getKey().endsWith("@weight_names")) {
                        String type = ((Attr) e.getValue()).type();
                        assertTrue(type.equals(H5PY3_NAMES) || type.equals("float64 LITTLE_ENDIAN"), e.getKey() + " " + type);
                    }
                }
                assertEquals(List.of(), ConfigEquivalence.differences(
                        JSON.readTree(golden.string(golden.root(), "model_config")),
                        JSON.readTree(mine.string(mine.root(), "model_config"))));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> aKerasWeightsFileHasTheGoldenLayout() throws IOException {
        return goldenFolders().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Path out = tmp.resolve(dir.getFileName() + ".keras");
            try (Model m = Models.load(dir.resolve("model.keras"))) {
                Models.save(m, out);
            }
            try (Hdf5 golden = Hdf5.open(weightsMember(dir.resolve("model.keras")), "golden");
                 Hdf5 mine = Hdf5.open(weightsMember(out), "mine")) {
                assertSameLayout(layout(golden), layout(mine), dir.getFileName().toString());
            }
        }));
    }

    private static byte[] weightsMember(Path keras) throws IOException {
        try (ZipFile z = new ZipFile(keras.toFile())) {
            return z.getInputStream(z.getEntry("model.weights.h5")).readAllBytes();
        }
    }

    @Test
    void aWeightlessLayersWeightNamesIsAnEmptyFloat64Array() throws IOException {
        Path out = tmp.resolve("small.h5");
        try (Sequential m = Sequential.of("small", List.of(Dense.builder(3).name("fc").build(),
                ReLU.builder().name("act").build()), -1, 4)) {
            Models.save(m, out);
        }
        try (Hdf5 h5 = Hdf5.open(out, "small", Files.size(out))) {
            Group weights = Hdf5.childGroup(h5.root(), "model_weights");
            assertEquals(Set.of("fc", "act", "top_level_model_weights"), weights.getChildren().keySet());
            for (String weightless : List.of("act", "top_level_model_weights")) {
                Attribute a = weights.getChild(weightless).getAttribute("weight_names");
                FloatingPoint f = assertInstanceOf(FloatingPoint.class, a.getDataType());
                assertEquals(8, f.getSize(), weightless);
                assertArrayEquals(new int[] {0}, a.getDimensions(), weightless);
                assertEquals(List.of(), h5.stringList(weights.getChild(weightless), "weight_names"));
                assertTrue(Hdf5.childGroup(weights, weightless).getChildren().isEmpty(), weightless);
            }
            assertEquals(List.of("fc/kernel:0", "fc/bias:0"), h5.stringList(weights.getChild("fc"), "weight_names"));
            assertEquals(List.of("fc", "act"), h5.stringList(weights, "layer_names"));
        }
        try (Model back = Models.load(out)) {
            assertEquals(List.of(), back.layers().get(1).getWeights());
            assertEquals(2, back.layers().get(0).getWeights().size());
        }
    }

    @Test
    void aModelOfMoreThan300LayersIsWrittenReadBackAndComputesTheSame() throws IOException {
        // Dense, BatchNormalization, ReLU: 330 layers, so 331 groups in model_weights: 42 symbol table nodes under
        // two B-tree leaves and a root
        int blocks = 110;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            layers.add(Dense.builder(6).name("dense_" + i).build());
            layers.add(BatchNormalization.builder().name("bn_" + i).build());
            layers.add(ReLU.builder().name("relu_" + i).build());
        }
        float[] input = TestData.random(new java.util.SplittableRandom(3), 2 * 6);
        float[] expected;
        Path h5 = tmp.resolve("deep.h5");
        Path keras = tmp.resolve("deep.keras");
        try (Sequential m = Sequential.of("deep", layers, -1, 6)) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(7);
            for (int i = 0; i < blocks; i++) {
                // near the identity, so that values neither vanish nor blow up over 110 blocks
                float[] kernel = new float[36];
                for (int k = 0; k < 36; k++) kernel[k] = (k % 7 == 0 ? 1f : 0f) + (float) r.nextDouble(-0.1, 0.1);
                float[] bias = new float[6];
                for (int k = 0; k < 6; k++) bias[k] = (float) r.nextDouble(0, 0.05);
                m.layers().get(3 * i).setWeights(List.of(new Weight("kernel", new int[] {6, 6}, kernel),
                        new Weight("bias", new int[] {6}, bias)));
                float[][] bn = new float[4][6];
                for (int k = 0; k < 6; k++) {
                    bn[0][k] = (float) r.nextDouble(0.9, 1.1);
                    bn[1][k] = (float) r.nextDouble(-0.05, 0.05);
                    bn[2][k] = (float) r.nextDouble(-0.05, 0.05);
                    bn[3][k] = (float) r.nextDouble(0.9, 1.1);
                }
                m.layers().get(3 * i + 1).setWeights(List.of(new Weight("gamma", new int[] {6}, bn[0]),
                        new Weight("beta", new int[] {6}, bn[1]), new Weight("moving_mean", new int[] {6}, bn[2]),
                        new Weight("moving_variance", new int[] {6}, bn[3])));
            }
            expected = predict(m, input);
            Models.save(m, h5);
            Models.save(m, keras);
        }
        float max = 0;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        assertTrue(max > 0.1 && max < 1e3, "the output is neither vanished nor exploded: " + max);
        try (Hdf5 file = Hdf5.open(h5, "deep.h5", Files.size(h5))) {
            Group weights = Hdf5.childGroup(file.root(), "model_weights");
            assertEquals(3 * blocks + 1, weights.getChildren().size());
            List<String> names = file.stringList(weights, "layer_names");
            assertEquals(3 * blocks, names.size());
            assertEquals(List.of("dense_0", "bn_0", "relu_0"), names.subList(0, 3));
            Set<String> groups = new TreeSet<>(names);
            groups.add("top_level_model_weights");
            assertEquals(groups, new TreeSet<>(weights.getChildren().keySet()));
        }
        for (Path p : List.of(h5, keras)) {
            try (Model back = Models.load(p)) {
                assertEquals(3 * blocks, back.layers().size(), p.toString());
                assertArrayEquals(expected, predict(back, input), p.toString());
            }
        }
    }

    private static float[] predict(Model m, float[] input) {
        try (Tensor in = Tensor.of(input, 2, 6); Tensor out = m.predict(in)) {
            return out.toFloatArray();
        }
    }
}

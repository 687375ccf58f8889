package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kdnn.io.Hdf5Tree.VarStrings;
import org.junit.jupiter.api.Test;

/**
 * The HDF5 writer on its own, read back with jHDF: groups of any size (B-trees of more than one
 * level), every attribute kind with h5py's types, datasets of rank 0 to 5 and empty ones, a
 * string larger than a global heap's minimum, object headers past 64 KiB.
 */
class Hdf5WriterTest {
    private static byte[] bytes(Hdf5Tree.Group root) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = Hdf5Writer.write(root, out);
        assertEquals(out.size(), n);
        assertEquals(n, Hdf5Writer.size(root));
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(n, b.getLong(40), "the superblock's end-of-file address");
        return out.toByteArray();
    }

    private static float[] values(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(seed * 1000.0 + i) * 3;
        return v;
    }

    @Test
    void groupsOfAnySizeReadBackWithEveryChild() throws IOException {
        // 0, 1, 8 (one full SNOD), 9, 256 (32 SNODs: one full leaf node) and 1000 children (125 SNODs: two levels)
        int[] sizes = {0, 1, 8, 9, 256, 257, 1000};
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        Map<String, float[]> expected = new TreeMap<>();
        for (int size : sizes) {
            Hdf5Tree.Group g = root.group("g" + size);
            for (int i = 0; i < size; i++) {
                String name = (i % 2 == 0 ? "layer_" : "w") + i;
                float[] v = values(1 + i % 3, i);
                if (i % 3 == 0) {
                    g.group(name).dataset("kernel:0", new int[] {v.length}, () -> v);
                    expected.put("g" + size + "/" + name + "/kernel:0", v);
                } else {
                    g.dataset(name, new int[] {v.length}, () -> v);
                    expected.put("g" + size + "/" + name, v);
                }
            }
        }
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            for (int size : sizes) {
                Group g = (Group) h5.root().getChild("g" + size);
                assertEquals(size, g.getChildren().size(), "g" + size);
            }
            Map<String, float[]> read = new TreeMap<>();
            collect(h5, h5.root(), "", read);
            assertEquals(expected.keySet(), read.keySet());
            for (var e : expected.entrySet()) assertArrayEquals(e.getValue(), read.get(e.getKey()), e.getKey());
        }
    }

    private static void collect(Hdf5 h5, Group g, String prefix, Map<String, float[]> into) {
        for (Node n : g.getChildren().values()) {
            String path = prefix + n.getName();
            if (n instanceof Group child) {
                collect(h5, child, path + "/", into);
            } else {
                into.put(path, h5.floats((Dataset) n, path, path, new ArrayList<>()).values());
            }
        }
    }

    @Test
    void linksAreOrderedAsHdf5ComparesNames() throws IOException {
        // strcmp on UTF-8 bytes: uppercase before underscore before lowercase, "é" (0xC3 0xA9) after "z"
        List<String> names = List.of("zeta", "Zeta", "_x", "é", "a", "a_1", "a1", "conv2d", "conv2d_1", "conv2d_10", "conv2d_2");
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        for (String n : names) root.group(n).attribute("name", VarStrings.scalar(n, true));
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            List<String> sorted = new ArrayList<>(names);
            sorted.sort(Hdf5Tree.LINK_ORDER);
            assertEquals(List.of("Zeta", "_x", "a", "a1", "a_1", "conv2d", "conv2d_1", "conv2d_10", "conv2d_2", "zeta", "é"),
                    sorted);
            assertEquals(sorted, List.copyOf(h5.root().getChildren().keySet()), "jHDF lists the symbol table's order");
            for (String n : names) assertEquals(n, h5.string(h5.root().getChild(n), "name"));
        }
    }

    @Test
    void attributesHaveH5pysTypes() throws IOException {
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        root.attribute("utf8", VarStrings.scalar("h\u00e9llo \u2713", true));
        root.attribute("ascii", VarStrings.scalar("{\"a\": 1}", false));
        root.attribute("empty", VarStrings.scalar("", true));
        root.attribute("names", VarStrings.array(List.of("conv1", "bn", "dense_12"), false));
        root.attribute("fixed", new Hdf5Tree.FixedStrings(List.of("ab", "c", "defg"), 5));
        root.attribute("none", new Hdf5Tree.EmptyFloat64());
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            Group r = h5.root();
            Attribute utf8 = r.getAttribute("utf8");
            assertTrue(utf8.isScalar());
            VariableLength vl = assertInstanceOf(VariableLength.class, utf8.getDataType());
            assertTrue(vl.isVariableLengthString());
            assertEquals(StandardCharsets.UTF_8, vl.getEncoding());
            assertEquals("h\u00e9llo \u2713", h5.string(r, "utf8"));
            VariableLength ascii = assertInstanceOf(VariableLength.class, r.getAttribute("ascii").getDataType());
            assertEquals(StandardCharsets.US_ASCII, ascii.getEncoding());
            assertEquals("{\"a\": 1}", h5.string(r, "ascii"));
            assertEquals("", h5.string(r, "empty"));
            Attribute names = r.getAttribute("names");
            assertArrayEquals(new int[] {3}, names.getDimensions());
            assertEquals(StandardCharsets.US_ASCII, assertInstanceOf(VariableLength.class, names.getDataType()).getEncoding());
            assertEquals(List.of("conv1", "bn", "dense_12"), h5.stringList(r, "names"));
            Attribute fixed = r.getAttribute("fixed");
            StringData s = assertInstanceOf(StringData.class, fixed.getDataType());
            assertEquals(5, s.getSize());
            assertEquals(StandardCharsets.US_ASCII, s.getCharset());
            assertEquals(StringData.PaddingType.NULL_PADDED, s.getPaddingType());
            assertArrayEquals(new int[] {3}, fixed.getDimensions());
            assertEquals(List.of("ab", "c", "defg"), h5.stringList(r, "fixed"));
            Attribute none = r.getAttribute("none");
            FloatingPoint f = assertInstanceOf(FloatingPoint.class, none.getDataType());
            assertEquals(8, f.getSize());
            assertArrayEquals(new int[] {0}, none.getDimensions());
            assertEquals(List.of(), h5.stringList(r, "none"));
        }
    }

    @Test
    void datasetsOfRankZeroToFiveAndEmptyOnesReadBack() throws IOException {
        int[][] shapes = {{}, {7}, {3, 5}, {2, 3, 4}, {3, 3, 2, 4}, {2, 2, 2, 3, 2}, {0}, {0, 3}, {4, 0, 2}};
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        for (int i = 0; i < shapes.length; i++) {
            int n = 1;
            for (int d : shapes[i]) n *= d;
            float[] v = values(n, i);
            root.dataset("d" + i, shapes[i], () -> v);
        }
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            for (int i = 0; i < shapes.length; i++) {
                Dataset ds = (Dataset) h5.root().getChild("d" + i);
                FloatingPoint f = assertInstanceOf(FloatingPoint.class, ds.getDataType());
                assertEquals(4, f.getSize());
                assertEquals(ByteOrder.LITTLE_ENDIAN, f.getByteOrder());
                kdnn.layers.Weight w = h5.floats(ds, "d" + i, "d" + i, new ArrayList<>());
                assertArrayEquals(shapes[i], w.shape(), "d" + i);
                assertArrayEquals(values(w.values().length, i), w.values(), "d" + i);
            }
        }
    }

    @Test
    void aStringLargerThanAGlobalHeapsMinimumReadsBack() throws IOException {
        StringBuilder json = new StringBuilder("{\"layers\": [");
        for (int i = 0; i < 20000; i++) json.append(i == 0 ? "" : ", ").append("{\"name\": \"conv_").append(i).append("\"}");
        String config = json.append("]}").toString();
        assertTrue(config.length() > 300_000);
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        root.attribute("model_config", VarStrings.scalar(config, false));
        root.attribute("keras_version", VarStrings.scalar("2.12.0", true));
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            assertEquals(config, h5.string(h5.root(), "model_config"));
            assertEquals("2.12.0", h5.string(h5.root(), "keras_version"));
        }
    }

    @Test
    void moreStringsThanOneGlobalHeapCollectionCanNumberReadBack() throws IOException {
        // 2000 groups x 40 names: 80000 strings, past the 65535 objects a collection numbers
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        for (int g = 0; g < 2000; g++) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 40; i++) names.add("g" + g + "/w" + i + ":0");
            root.group("layer_" + g).attribute("weight_names", VarStrings.array(names, false));
        }
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            for (int g : new int[] {0, 1637, 1638, 1999}) { // strings 65480..65559 fall in groups 1637 and 1638
                List<String> names = h5.stringList(h5.root().getChild("layer_" + g), "weight_names");
                assertEquals(40, names.size());
                assertEquals("g" + g + "/w0:0", names.get(0));
                assertEquals("g" + g + "/w39:0", names.get(39));
            }
        }
    }

    @Test
    void thousandsOfNamesAreChunkedAsKerasChunksThemAndReadBack() throws IOException {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6000; i++) names.add("block" + (i / 10) + "_layer_with_a_long_name_" + i);
        int width = names.stream().mapToInt(String::length).max().orElseThrow();
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        Keras2H5Writer.stringList(root, "layer_names", names);
        // numpy: 6000 names of `width` bytes in the fewest chunks of at most 64512 bytes
        int chunks = (int) Math.ceil(6000.0 * width / 64512);
        while (Math.ceil(6000.0 / chunks) * width > 64512) chunks++;
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            Group r = h5.root();
            assertEquals(chunks, r.getAttributes().size(), "layer_names0 .. layer_names" + (chunks - 1));
            Attribute first = r.getAttribute("layer_names0");
            assertEquals(width, assertInstanceOf(StringData.class, first.getDataType()).getSize());
            assertArrayEquals(new int[] {(6000 + chunks - 1) / chunks}, first.getDimensions());
            assertEquals(names, h5.stringList(r, "layer_names"));
        }
    }

    @Test
    void fewNamesAreOneVariableLengthArrayAndNoneAnEmptyFloat64Array() throws IOException {
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        Keras2H5Writer.stringList(root, "layer_names", List.of("input", "conv"));
        Keras2H5Writer.stringList(root.group("conv"), "weight_names", List.of());
        try (Hdf5 h5 = Hdf5.open(bytes(root), "test")) {
            assertInstanceOf(VariableLength.class, h5.root().getAttribute("layer_names").getDataType());
            assertEquals(List.of("input", "conv"), h5.stringList(h5.root(), "layer_names"));
            Attribute none = h5.root().getChild("conv").getAttribute("weight_names");
            assertEquals(8, assertInstanceOf(FloatingPoint.class, none.getDataType()).getSize());
            assertArrayEquals(new int[] {0}, none.getDimensions());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Keras2H5Writer.stringList(new Hdf5Tree.Group(), "x", List.of("x".repeat(64513))));
    }

    @Test
    void aPathWrittenTwiceOrThroughADatasetIsRefused() {
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        root.dataset("a/b", new int[] {1}, () -> new float[1]);
        assertThrows(IllegalArgumentException.class, () -> root.dataset("a/b", new int[] {1}, () -> new float[1]));
        assertThrows(IllegalArgumentException.class, () -> root.group("a/b/c"));
        root.attribute("x", new Hdf5Tree.EmptyFloat64());
        assertThrows(IllegalArgumentException.class, () -> root.attribute("x", new Hdf5Tree.EmptyFloat64()));
    }

    @Test
    void valuesOfTheWrongCountAreRefusedWhenWritten() {
        Hdf5Tree.Group root = new Hdf5Tree.Group();
        root.dataset("d", new int[] {2, 3}, () -> new float[5]);
        assertThrows(IllegalStateException.class, () -> Hdf5Writer.write(root, new ByteArrayOutputStream()));
    }
}

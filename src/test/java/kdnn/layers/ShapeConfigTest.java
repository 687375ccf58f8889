package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** Keras config forms, canonical get_config, round trips and refusals of the nine shape layers. */
class ShapeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static Layer layer(String className, String config) {
        return Layers.fromConfig(json("{'class_name': '" + className + "', 'config': " + config + "}"));
    }

    /** JSON equality with numbers compared by value (Jackson tells an int node from a long node). */
    private static void assertJson(JsonNode expected, JsonNode actual, String message) {
        java.util.Comparator<JsonNode> byValue = (a, b) -> a.equals(b) || a.isNumber() && b.isNumber()
                && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
        assertTrue(actual != null && expected.equals(byValue, actual), message + ": expected " + expected + " but was " + actual);
    }

    /** The canonical value of {@code key} that {@code config} normalizes to. */
    private static void assertNormalizes(String className, String config, String key, String canonical) {
        try (Layer l = layer(className, config)) {
            assertJson(json(canonical), l.getConfig().get(key), className + " " + config);
            assertRoundTrips(l);
        }
    }

    private static void assertRoundTrips(Layer l) {
        ObjectNode config = l.getConfig();
        try (Layer again = Layers.fromConfig(Layers.toConfig(l))) {
            assertEquals(l.getClass(), again.getClass());
            assertJson(config, again.getConfig(), l.toString());
        }
    }

    private static void assertRefused(String className, String config, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer(className, config).close(),
                className + " " + config);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
        }
    }

    @Test
    void allNineAreRegisteredAndRoundTrip() {
        List<Layer> layers = List.of(
                Cropping1D.builder().cropping(2, 0).name("c1").build(),
                Cropping2D.builder().cropping(1, 2, 0, 3).dataFormat(DataFormat.CHANNELS_FIRST).build(),
                Cropping3D.builder().cropping(0, 1, 2).trainable(false).build(),
                ZeroPadding1D.builder().padding(3).build(),
                ZeroPadding2D.builder().padding(1, 2).batchInputShape(-1, 4, 4, 3).build(),
                ZeroPadding3D.builder().padding(1, 0, 2, 3, 0, 4).dataFormat(DataFormat.CHANNELS_FIRST).build(),
                UpSampling1D.builder().size(3).build(),
                UpSampling2D.builder().size(3, 2).dataFormat(DataFormat.CHANNELS_FIRST).build(),
                UpSampling3D.builder().size(2).build());
        for (Layer l : layers) {
            try (l) {
                assertTrue(Layers.classNames().contains(l.className()), l.className());
                assertRoundTrips(l);
            }
        }
    }

    @Test
    void canonicalConfigs() {
        try (Layer l = Cropping2D.builder().name("crop").cropping(1, 2, 0, 3).build()) {
            assertJson(json("{'name': 'crop', 'trainable': true, 'dtype': 'float32', 'cropping': [[1, 2], [0, 3]],"
                    + " 'data_format': 'channels_last'}"), l.getConfig(), l.toString());
        }
        try (Layer l = ZeroPadding1D.builder().name("pad").padding(1, 2).batchInputShape(-1, 5, 3).build()) {
            assertJson(json("{'name': 'pad', 'trainable': true, 'dtype': 'float32', 'batch_input_shape': [null, 5, 3],"
                    + " 'padding': [1, 2]}"), l.getConfig(), l.toString());
            assertTrue(l.isBuilt());
        }
        try (Layer l = UpSampling1D.builder().name("up").build()) {
            assertJson(json("{'name': 'up', 'trainable': true, 'dtype': 'float32', 'size': 2}"), l.getConfig(), l.toString());
        }
        try (Layer l = UpSampling2D.builder().name("up2").build()) {
            assertJson(json("{'name': 'up2', 'trainable': true, 'dtype': 'float32', 'size': [2, 2],"
                    + " 'data_format': 'channels_last', 'interpolation': 'nearest'}"), l.getConfig(), l.toString());
        }
        try (Layer l = UpSampling3D.builder().name("up3").dataFormat(DataFormat.CHANNELS_FIRST).build()) {
            assertJson(json("{'name': 'up3', 'trainable': true, 'dtype': 'float32', 'size': [2, 2, 2],"
                    + " 'data_format': 'channels_first'}"), l.getConfig(), l.toString());
        }
    }

    @Test
    void defaultNamesAreKeras() {
        try (Layer a = ZeroPadding2D.builder().build(); Layer b = UpSampling3D.builder().build();
             Layer c = Cropping1D.builder().build()) {
            assertTrue(a.name().startsWith("zero_padding2d"), a.name());
            assertTrue(b.name().startsWith("up_sampling3d"), b.name());
            assertTrue(c.name().startsWith("cropping1d"), c.name());
        }
    }

    @Test
    void kerasDefaults() {
        assertNormalizes("ZeroPadding1D", "{}", "padding", "[1, 1]");
        assertNormalizes("ZeroPadding2D", "{}", "padding", "[[1, 1], [1, 1]]");
        assertNormalizes("ZeroPadding3D", "{}", "padding", "[[1, 1], [1, 1], [1, 1]]");
        assertNormalizes("Cropping1D", "{}", "cropping", "[1, 1]");
        assertNormalizes("Cropping2D", "{}", "cropping", "[[0, 0], [0, 0]]");
        assertNormalizes("Cropping3D", "{}", "cropping", "[[1, 1], [1, 1], [1, 1]]");
        assertNormalizes("UpSampling1D", "{}", "size", "2");
        assertNormalizes("UpSampling2D", "{}", "size", "[2, 2]");
        assertNormalizes("UpSampling3D", "{}", "size", "[2, 2, 2]");
        assertNormalizes("UpSampling2D", "{'data_format': null}", "data_format", "'channels_last'");
        assertNormalizes("Cropping3D", "{'data_format': 'CHANNELS_FIRST'}", "data_format", "'channels_first'");
    }

    @Test
    void everyAcceptedForm() {
        assertNormalizes("ZeroPadding1D", "{'padding': 2}", "padding", "[2, 2]");
        assertNormalizes("ZeroPadding1D", "{'padding': [1, 3]}", "padding", "[1, 3]");
        assertNormalizes("Cropping1D", "{'cropping': [0, 2]}", "cropping", "[0, 2]");
        assertNormalizes("Cropping1D", "{'cropping': 1}", "cropping", "[1, 1]");
        assertNormalizes("ZeroPadding2D", "{'padding': 2}", "padding", "[[2, 2], [2, 2]]");
        assertNormalizes("ZeroPadding2D", "{'padding': [1, 2]}", "padding", "[[1, 1], [2, 2]]");
        assertNormalizes("ZeroPadding2D", "{'padding': [[1, 2], [3, 4]]}", "padding", "[[1, 2], [3, 4]]");
        assertNormalizes("ZeroPadding2D", "{'padding': [1, [2, 3]]}", "padding", "[[1, 1], [2, 3]]");
        assertNormalizes("Cropping2D", "{'cropping': [[0, 2], [1, 0]]}", "cropping", "[[0, 2], [1, 0]]");
        assertNormalizes("Cropping2D", "{'cropping': [2, 1]}", "cropping", "[[2, 2], [1, 1]]");
        assertNormalizes("ZeroPadding3D", "{'padding': 1}", "padding", "[[1, 1], [1, 1], [1, 1]]");
        assertNormalizes("ZeroPadding3D", "{'padding': [1, 2, 3]}", "padding", "[[1, 1], [2, 2], [3, 3]]");
        assertNormalizes("Cropping3D", "{'cropping': [[1, 2], [3, 4], [5, 6]]}", "cropping", "[[1, 2], [3, 4], [5, 6]]");
        assertNormalizes("Cropping3D", "{'cropping': 0}", "cropping", "[[0, 0], [0, 0], [0, 0]]");
        assertNormalizes("UpSampling1D", "{'size': 3}", "size", "3");
        assertNormalizes("UpSampling1D", "{'size': 3.0}", "size", "3");
        assertNormalizes("UpSampling2D", "{'size': 3}", "size", "[3, 3]");
        assertNormalizes("UpSampling2D", "{'size': [3, 1], 'interpolation': 'nearest'}", "size", "[3, 1]");
        assertNormalizes("UpSampling3D", "{'size': [1, 2, 3]}", "size", "[1, 2, 3]");
        assertNormalizes("ZeroPadding2D", "{'padding': 1, 'batch_input_shape': [null, 3, 3, 1]}", "batch_input_shape",
                "[null, 3, 3, 1]");
    }

    @Test
    void refusedArguments() {
        assertRefused("ZeroPadding1D", "{'padding': [1, -2]}", "`padding`", "padding=[1,-2]", ">= 0");
        assertRefused("ZeroPadding1D", "{'padding': [1, 2, 3]}", "`padding`", "tuple of 2 integers");
        assertRefused("ZeroPadding2D", "{'padding': -1}", "`padding`", "padding=-1");
        assertRefused("ZeroPadding2D", "{'padding': [1, 2, 3]}", "`padding` should have two elements");
        assertRefused("ZeroPadding2D", "{'padding': [[1, 2], [3]]}", "2nd entry of padding", "tuple of 2 integers");
        assertRefused("ZeroPadding2D", "{'padding': [[1, 2], [3, -1]]}", "2nd entry of padding", ">= 0");
        assertRefused("ZeroPadding3D", "{'padding': [1, 2]}", "`padding` should have 3 elements");
        assertRefused("ZeroPadding2D", "{'padding': 'same'}", "`padding` should be either an int");
        assertRefused("ZeroPadding2D", "{'padding': 1.5}", "`padding`", "an integer");
        assertRefused("Cropping1D", "{'cropping': -1}", "`cropping`", ">= 0");
        assertRefused("Cropping2D", "{'cropping': [[1, 2], [3, 4], [5, 6]]}", "`cropping` should have two elements");
        assertRefused("Cropping3D", "{'cropping': [[1, 2], [3, 4], [5, -6]]}", "3rd entry of cropping", ">= 0");
        assertRefused("UpSampling1D", "{'size': 0}", "`size`", "> 0");
        assertRefused("UpSampling1D", "{'size': [2, 2]}", "`size`");
        assertRefused("UpSampling2D", "{'size': [0, 2]}", "`size`", "> 0");
        assertRefused("UpSampling2D", "{'size': [2, 2, 2]}", "`size`", "tuple of 2 integers");
        assertRefused("UpSampling3D", "{'size': -1}", "`size`", "> 0");
        assertRefused("UpSampling2D", "{'interpolation': 'cubic'}", "`interpolation`", "cubic");
        assertRefused("UpSampling3D", "{'interpolation': 'nearest'}", "interpolation");
        assertRefused("ZeroPadding1D", "{'data_format': 'channels_first'}", "`data_format`");
        assertRefused("Cropping2D", "{'data_format': 'channels_middle'}", "`data_format`", "channels_middle");
        assertRefused("Cropping2D", "{'croping': 1}", "unexpected", "croping");
        assertRefused("UpSampling2D", "{'dtype': 'float16'}", "`dtype`");
        assertThrows(IllegalArgumentException.class, () -> ZeroPadding2D.builder().padding(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> UpSampling2D.builder().size(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Cropping2D.builder().padding(1));
        assertThrows(IllegalArgumentException.class, () -> UpSampling1D.builder().dataFormat(DataFormat.CHANNELS_FIRST));
    }

    @Test
    void refusedInputs() {
        try (Layer l = ZeroPadding2D.builder().name("zp").build(); Tensor x = Tensor.zeros(1, 6, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(x));
            assertEquals("Input 0 of layer \"zp\" is incompatible with the layer: expected ndim=4, found ndim=3."
                    + " Full shape received: (1, 6, 2)", e.getMessage());
        }
        try (Layer l = Cropping2D.builder().name("crop").cropping(2, 2, 1, 1).build(); Tensor x = Tensor.zeros(1, 4, 4, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(x));
            assertTrue(e.getMessage().contains("`cropping` parameter of `Cropping2D` layer must be smaller than the input"
                    + " shape. Received: input_shape=(1, 4, 4, 1), cropping=((2, 2), (1, 1))"), e.getMessage());
        }
        try (Layer l = Cropping1D.builder().cropping(3, 2).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.build(2, 5, 3));
            assertTrue(e.getMessage().contains("input length") && e.getMessage().contains("cropping=(3, 2)"), e.getMessage());
            assertArrayEquals(new long[] {2, 1, 3}, l.computeOutputShape(new long[] {2, 6, 3}));
        }
        // refused at construction when the declared input shape leaves nothing
        assertRefused("Cropping3D", "{'cropping': 2, 'batch_input_shape': [null, 4, 5, 6, 1]}", "cropping", "(None, 4, 5, 6, 1)");
        try (Layer l = UpSampling3D.builder().build()) {
            assertInstanceOf(IllegalArgumentException.class, assertThrows(RuntimeException.class,
                    () -> l.computeOutputShape(new long[] {1, 0, 2, 2, 1})));
        }
    }

    /**
     * Keras 3's ZeroPadding1D takes data_format (Keras 2's refuses it, see refusedArguments); channels_first pads the
     * last axis. Other 1D layers stay channels_last under Keras 3 too.
     */
    @Test
    void zeroPadding1DFromAKeras3FileTakesChannelsFirst() {
        String config = "{'class_name': 'ZeroPadding1D', 'config': {'padding':[1,2],'data_format':'channels_first'}}";
        try (Layer pad = Layers.fromConfig(json(config), KerasVersion.KERAS_3);
             Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
             Tensor y = pad.call(x)) {
            assertArrayEquals(new long[] {1, 2, 6}, y.shape());
            assertArrayEquals(new float[] {0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0}, y.toFloatArray());
            assertEquals("channels_first", pad.getConfig().get("data_format").asText());
            try (Layer back = Layers.fromConfig(Layers.toConfig(pad), KerasVersion.KERAS_3); Tensor z = back.call(x)) {
                assertArrayEquals(y.toFloatArray(), z.toFloatArray());
            }
        }
        try (Layer pad = Layers.fromConfig(json("{'class_name': 'ZeroPadding1D', 'config': {'data_format':'channels_last'}}"),
                KerasVersion.KERAS_3)) {
            assertTrue(!pad.getConfig().has("data_format"), "channels_last is written as Keras 2 writes it: not at all");
        }
        // inside a planned model, after a channels_first convolution, as layer by layer
        String model = "{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                + "{'class_name': 'Conv1D', 'config': {'name': 'c', 'filters': 3, 'kernel_size': 2, 'data_format': 'channels_first',"
                + " 'batch_input_shape': [null, 2, 5]}},"
                + "{'class_name': 'ZeroPadding1D', 'config': {'name': 'p', 'padding': [2, 1], 'data_format': 'channels_first'}},"
                + "{'class_name': 'Conv1D', 'config': {'name': 'd', 'filters': 2, 'kernel_size': 3, 'data_format': 'channels_first'}}]}}";
        java.util.Map<String, Layer> made = new java.util.HashMap<>();
        kdnn.model.ModelConfigs.WeightSource seeded = (path, l, expected) -> {
            made.put(l.name(), l);
            java.util.List<Weight> ws = new java.util.ArrayList<>();
            for (WeightSpec w : expected) {
                float[] v = new float[(int) java.util.Arrays.stream(w.shape()).asLongStream().reduce(1, (a, b) -> a * b)];
                for (int i = 0; i < v.length; i++) v[i] = (float) Math.cos(i + w.name().length());
                ws.add(new Weight(w.name(), w.shape(), v));
            }
            return ws;
        };
        float[] in = new float[20];
        for (int i = 0; i < in.length; i++) in[i] = (float) Math.sin(i);
        try (kdnn.model.Model m = kdnn.model.ModelConfigs.build(json(model), seeded, KerasVersion.KERAS_3);
             Tensor x = Tensor.of(in, 2, 2, 5); Tensor y = m.predict(x);
             Layer p = Layers.fromConfig(json("{'class_name': 'ZeroPadding1D', 'config': {'padding': [2, 1],"
                     + " 'data_format': 'channels_first'}}"), KerasVersion.KERAS_3);
             Tensor a = made.get("c").call(x); Tensor b = p.call(a); Tensor want = made.get("d").call(b)) {
            assertArrayEquals(new long[] {2, 2, 5}, y.shape());
            assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-6f);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(
                json("{'class_name': 'Cropping1D', 'config': {'data_format':'channels_first'}}"), KerasVersion.KERAS_3));
        assertTrue(e.getMessage().contains("Cropping1D has no `data_format` argument"), e.getMessage());
    }
}

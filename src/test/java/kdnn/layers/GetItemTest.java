package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceOperations;
import kdnn.reference.ReferenceOperations.Pick;
import org.junit.jupiter.api.Test;

/**
 * GetItem ({@code x[key]}, NumPy's basic indexing) against {@link ReferenceOperations#getItem}, which
 * lists each axis' chosen indices as Python's {@code range(*slice.indices(n))} does: fixed keys Keras models use
 * ({@code x[..., ::-1]}, {@code x[..., 0]}, {@code x[:, 1:-1]}), clamped and empty slices, new axes,
 * 400 random keys on random shapes, config forms of tf.keras and Keras 3, and refusals.
 */
class GetItemTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String key) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'GetItem','config':{'name':'g','key':" + key + "}}")
                .replace('\'', '"')));
    }

    private static String slice(Integer start, Integer stop, Integer step) {
        return "{'class_name':'__slice__','config':{'start':" + start + ",'stop':" + stop + ",'step':" + step + "}}";
    }

    private static final String ELLIPSIS = "{'class_name':'__ellipsis__','config':{}}";

    private static void check(String key, int[] shape, List<Pick> picks) throws Exception {
        int n = 1;
        for (int d : shape) n *= d;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i + 0.5f;
        RefArray want = ReferenceOperations.getItem(new RefArray(shape, x), picks);
        long[] lshape = java.util.Arrays.stream(shape).asLongStream().toArray();
        try (Layer l = layer(key); Tensor in = Tensor.of(x, lshape); Tensor y = l.call(in)) {
            assertArrayEquals(java.util.Arrays.stream(want.shape()).asLongStream().toArray(), y.shape(), key);
            assertArrayEquals(want.data(), y.toFloatArray(), 0f, key);
        }
    }

    private static Pick whole(int n) {
        return Pick.whole(n);
    }

    private static Pick range(Integer start, Integer stop, Integer step, int n) {
        return Pick.range(start, stop, step, n);
    }

    private static Pick index(int i, int n) {
        return Pick.index(i, n);
    }

    private static final Pick NEW = Pick.NEW_AXIS;

    @Test
    void theKeysKerasModelsUse() throws Exception {
        int[] s = {2, 5, 6, 3};
        check("[" + ELLIPSIS + "," + slice(null, null, -1) + "]", s, List.of(whole(2), whole(5), whole(6), range(null, null, -1, 3)));
        check("[" + ELLIPSIS + ",0]", s, List.of(whole(2), whole(5), whole(6), index(0, 3)));
        check("[" + slice(null, null, null) + "," + slice(1, -1, null) + "]", s, List.of(whole(2), range(1, -1, null, 5), whole(6), whole(3)));
        check("[" + slice(null, null, null) + "," + slice(null, null, 2) + "," + slice(1, null, 3) + "]", s,
                List.of(whole(2), range(null, null, 2, 5), range(1, null, 3, 6), whole(3)));
        check("[" + slice(null, null, null) + ",-1]", s, List.of(whole(2), index(-1, 5), whole(6), whole(3)));
        check("[" + slice(null, null, null) + ",null," + slice(2, 4, null) + "]", s,
                List.of(whole(2), NEW, range(2, 4, null, 5), whole(6), whole(3)));
        check("[" + ELLIPSIS + ",null]", s, List.of(whole(2), whole(5), whole(6), whole(3), NEW));
        check("[" + slice(null, null, null) + "," + slice(-100, 100, 1) + "]", s, List.of(whole(2), range(-100, 100, 1, 5), whole(6), whole(3)));
        check("[" + slice(null, null, null) + "," + slice(4, 0, -2) + "," + ELLIPSIS + ",2]", s,
                List.of(whole(2), range(4, 0, -2, 5), whole(6), index(2, 3)));
        check("[" + slice(null, null, null) + "," + slice(3, 1, null) + "]", s, List.of(whole(2), range(3, 1, null, 5), whole(6), whole(3)));
        check(slice(null, null, null), new int[] {3, 4}, List.of(whole(3), whole(4)));
    }

    @Test
    void randomKeysOnRandomShapesMatchTheReference() throws Exception {
        SplittableRandom r = new SplittableRandom(41);
        for (int t = 0; t < 400; t++) {
            int rank = 1 + r.nextInt(5);
            int[] shape = new int[rank];
            for (int a = 0; a < rank; a++) shape[a] = 1 + r.nextInt(a == 0 ? 3 : 6);
            List<String> items = new ArrayList<>(List.of(slice(null, null, null)));
            List<Pick> picks = new ArrayList<>(List.of(whole(shape[0])));
            boolean ellipsis = false;
            for (int a = 1; a < rank; a++) {
                if (r.nextInt(6) == 0) {
                    items.add("null");
                    picks.add(NEW);
                }
                int n = shape[a];
                switch (r.nextInt(4)) {
                    case 0 -> {
                        int i = r.nextInt(2 * n) - n;
                        items.add(Integer.toString(i));
                        picks.add(index(i, n));
                    }
                    case 1 -> {
                        if (!ellipsis && a == rank - 1 && r.nextBoolean()) {
                            ellipsis = true; // the last axis as the ellipsis' whole slice
                            items.add(ELLIPSIS);
                        } else {
                            items.add(slice(null, null, null));
                        }
                        picks.add(whole(n));
                    }
                    default -> {
                        Integer start = r.nextInt(3) == 0 ? null : r.nextInt(4 * n + 1) - 2 * n;
                        Integer stop = r.nextInt(3) == 0 ? null : r.nextInt(4 * n + 1) - 2 * n;
                        Integer step = r.nextInt(3) == 0 ? null : (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(3));
                        items.add(slice(start, stop, step));
                        picks.add(range(start, stop, step, n));
                    }
                }
            }
            // leave trailing whole slices out at random: the key then covers fewer axes
            String whole = slice(null, null, null);
            while (items.size() > 1 && (items.getLast().equals(whole) || items.getLast().equals(ELLIPSIS)) && r.nextBoolean()) {
                items.removeLast();
            }
            check("[" + String.join(",", items) + "]", shape, picks);
        }
    }

    @Test
    void tfKerasAndKeras3KeyFormsAndRoundTrip() throws Exception {
        try (Layer tf = layer("[{'class_name':'__ellipsis__'},{'start':null,'stop':null,'step':-1}]");
             Layer k3 = layer("[" + ELLIPSIS + "," + slice(null, null, -1) + "]"); Layer single = layer("2")) {
            assertEquals(Layers.toConfig(k3).get("config"), Layers.toConfig(tf).get("config"));
            try (Layer back = Layers.fromConfig(Layers.toConfig(k3))) {
                assertEquals(Layers.toConfig(k3), Layers.toConfig(back));
            }
            JsonNode key = ((GetItem) single).key();
            assertTrue(key.isIntegralNumber() && key.asInt() == 2, "a single item stays one: " + key);
            assertArrayEquals(new long[] {-1, 4, 3}, tf.computeOutputShape(new long[] {-1, 4, 3}));
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
            {"0", "indexes the batch axis"},
            {"[" + slice(0, 1, null) + "]", "indexes the batch axis"},
            {"[null]", "puts a new axis before the batch axis"},
            {"[" + slice(null, null, null) + ",5]", "index 5 is out of bounds for axis 1 with size 5"},
            {"[" + slice(null, null, null) + ",-6]", "index -6 is out of bounds for axis 1 with size 5"},
            {"[" + slice(null, null, null) + ",0,0,0]", "indexes 4 axes, but the input has 3"}};
        for (String[] c : cases) {
            try (Layer l = layer(c[0])) {
                var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {2, 5, 4}), c[0]);
                assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            }
        }
        String[][] configs = {
            {"[" + ELLIPSIS + "," + ELLIPSIS + "]", "one ellipsis (...) at most"},
            {"[" + slice(null, null, 0) + "]", "slice step cannot be zero"},
            {"[1.5]", "kdnn does not index by 1.5"},
            {"[[0, 1]]", "kdnn does not index by [0,1]"},
            {"[true]", "kdnn does not index by true"},
            {"[{'start':1}]", "kdnn does not index by"},
            {"[" + slice(null, null, null).replace("'step':null", "'step':'x'") + "]", "a slice's step must be an integer"}};
        for (String[] c : configs) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        var missing = assertThrows(IllegalArgumentException.class,
                () -> Layers.fromConfig(JSON.readTree("{\"class_name\":\"GetItem\",\"config\":{\"name\":\"g\"}}")));
        assertTrue(missing.getMessage().contains("GetItem needs a `key`"), missing.getMessage());
    }
}

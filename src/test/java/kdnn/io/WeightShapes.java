package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import kdnn.layers.Weight;

/** Checks that the weights read for a layer have the shapes its config implies (Keras' kernel layouts). */
final class WeightShapes {
    private WeightShapes() {
    }

    /** Checks every layer of a source whose class it knows; returns how many it checked. */
    static int check(ModelSource s) {
        int checked = 0;
        for (LayerTree l : LayerTree.leaves(LayerTree.of(s.modelConfig()))) {
            List<Weight> w = s.weights().get(l.path());
            if (w != null && check(l, w)) checked++;
        }
        return checked;
    }

    private static boolean check(LayerTree l, List<Weight> w) {
        JsonNode c = l.config();
        String where = l.path() + " " + l.className() + " " + w;
        switch (l.className()) {
            case "Conv1D", "Conv2D", "Conv3D" -> {
                int rank = l.className().charAt(4) - '0';
                int[] k = w.get(0).shape();
                assertEquals(rank + 2, k.length, where);
                assertArrayEquals(tuple(c.get("kernel_size"), rank), Arrays.copyOf(k, rank), where);
                assertEquals(c.get("filters").asInt(), k[rank + 1], where);
                bias(c, w, c.get("filters").asInt(), where);
            }
            case "Conv2DTranspose" -> {
                int[] k = w.get(0).shape();
                assertArrayEquals(tuple(c.get("kernel_size"), 2), Arrays.copyOf(k, 2), where);
                assertEquals(c.get("filters").asInt(), k[2], where);
                bias(c, w, c.get("filters").asInt(), where);
            }
            case "DepthwiseConv2D" -> {
                int[] k = w.get(0).shape();
                assertArrayEquals(tuple(c.get("kernel_size"), 2), Arrays.copyOf(k, 2), where);
                assertEquals(c.path("depth_multiplier").asInt(1), k[3], where);
                bias(c, w, k[2] * k[3], where);
            }
            case "SeparableConv2D" -> {
                int[] d = w.get(0).shape();
                int[] p = w.get(1).shape();
                assertArrayEquals(tuple(c.get("kernel_size"), 2), Arrays.copyOf(d, 2), where);
                assertArrayEquals(new int[] {1, 1, d[2] * d[3], c.get("filters").asInt()}, p, where);
                bias(c, w, c.get("filters").asInt(), where);
            }
            case "Dense" -> {
                assertEquals(c.get("units").asInt(), w.get(0).shape()[1], where);
                bias(c, w, c.get("units").asInt(), where);
            }
            case "BatchNormalization" -> {
                assertEquals(4, w.size(), where);
                for (Weight x : w) assertArrayEquals(w.get(0).shape(), x.shape(), where);
                for (float v : w.get(3).values()) {
                    if (!(v >= 0)) throw new AssertionError(where + ": a moving variance is " + v);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void bias(JsonNode c, List<Weight> w, int n, String where) {
        boolean useBias = c.path("use_bias").asBoolean(true);
        Weight last = w.get(w.size() - 1);
        if (useBias) {
            assertEquals("bias", last.name(), where);
            assertArrayEquals(new int[] {n}, last.shape(), where);
        } else {
            assertNotNull(last, where);
        }
    }

    static int[] tuple(JsonNode n, int rank) {
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) out[i] = n.isArray() ? n.get(i).asInt() : n.asInt();
        return out;
    }
}

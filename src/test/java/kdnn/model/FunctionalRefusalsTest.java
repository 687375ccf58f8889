package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import kdnn.Tensor;
import kdnn.layers.Add;
import kdnn.layers.Concatenate;
import kdnn.layers.Conv2D;
import kdnn.layers.Layer;
import kdnn.layers.Subtract;
import kdnn.layers.UnknownLayerException;
import org.junit.jupiter.api.Test;

/** Graphs and configs kdnn must refuse, each with a message naming the node and its inputs, leaving nothing open. */
class FunctionalRefusalsTest {
    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "missing \"" + p + "\" in: " + e.getMessage());
    }

    @Test
    void mergesOfIncompatibleShapesNameTheNodeAndItsInputShapes() {
        KerasTensor a = KerasTensor.input("a", -1, 14, 14, 64);
        KerasTensor b = KerasTensor.input("b", -1, 14, 14, 32);
        KerasTensor c = KerasTensor.input("c", -1, 14, 14, 64);
        try (Add add = Add.of("add_3"); Subtract sub = Subtract.of("sub"); Concatenate cat = Concatenate.of("cat", -1)) {
            assertMessage(assertThrows(IllegalArgumentException.class, () -> add.apply(a, b)),
                    "layer \"add_3\" (Add) got shapes (None, 14, 14, 64) and (None, 14, 14, 32)");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> sub.apply(a, c, a)),
                    "layer \"sub\" (Subtract) got shapes (None, 14, 14, 64), (None, 14, 14, 64) and (None, 14, 14, 64)",
                    "exactly 2 inputs");
            KerasTensor d = KerasTensor.input("d", -1, 13, 14, 32);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> cat.apply(a, d)),
                    "layer \"cat\" (Concatenate) got shapes (None, 14, 14, 64) and (None, 13, 14, 32)", "matching shapes");
            // along the channel axis the same shapes are fine
            assertTrue(java.util.Arrays.equals(new long[] {-1, 14, 14, 96}, cat.apply(a, b).shape()));
        }
    }

    @Test
    void anOutputThatNeedsAnInputNotGivenIsAGraphDisconnected() {
        KerasTensor x = KerasTensor.input("x", -1, 5, 5, 2);
        KerasTensor y = KerasTensor.input("y", -1, 5, 5, 2);
        try (Conv2D conv = Conv2D.builder(2, 1).name("conv").build(); Add add = Add.of("join")) {
            KerasTensor out = add.apply(conv.apply(x), y);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Functional.of("broken", List.of(x), List.of(out)));
            assertMessage(e, "Graph disconnected", "\"y\"", "\"broken\"", "[conv]");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> Functional.of("twice", List.of(x, x), List.of(out))),
                    "the same input x is given twice");
            assertFalse(conv.isClosed(), "a refused Functional.of does not own the caller's layers");
        }
    }

    // ---- configs --------------------------------------------------------------------------

    private static ObjectNode layerEntry(ObjectNode model, String name) {
        for (JsonNode l : model.get("config").get("layers")) if (l.get("name").asText().equals(name)) return (ObjectNode) l;
        throw new IllegalArgumentException(name);
    }

    private static IllegalArgumentException refused(Consumer<ObjectNode> change) {
        ObjectNode c = GraphConfigs.valid();
        change.accept(c);
        GraphConfigs.RecordingWeights w = new GraphConfigs.RecordingWeights();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.build(c, w).close());
        for (Layer l : w.seen) assertTrue(l.isClosed(), l.name() + " left open after: " + e.getMessage());
        return e;
    }

    @Test
    void theValidConfigBuilds() {
        try (Model m = ModelConfigs.build(GraphConfigs.valid(), new GraphConfigs.RecordingWeights())) {
            assertEquals(List.of("in_a", "in_b"), m.inputNames());
            assertEquals(List.of("dense", "relu"), m.outputNames());
        }
    }

    @Test
    void aCycleIsRefusedNamingTheLayersInIt() {
        IllegalArgumentException e = refused(c -> layerEntry(c, "conv_a").set("inbound_nodes",
                GraphConfigs.json("[[[\"add\", 0, 0, {}]]]")));
        assertMessage(e, "cycle", "conv_a", "add");
    }

    @Test
    void aReferenceToNoLayerIsRefused() {
        IllegalArgumentException e = refused(c -> layerEntry(c, "conv_b").set("inbound_nodes",
                GraphConfigs.json("[[[\"nope\", 0, 0, {}]]]")));
        assertMessage(e, "layer \"conv_b\"", "\"nope\"", "not a layer of the model");
        assertMessage(refused(c -> layerEntry(c, "add").set("inbound_nodes",
                GraphConfigs.json("[[[\"relu\", 0, 0, {}], [\"conv_b\", 3, 0, {}]]]"))), "add", "conv_b");
        assertMessage(refused(c -> layerEntry(c, "add").set("inbound_nodes",
                GraphConfigs.json("[[[\"relu\", 0, 0, {}], [\"conv_b\", 0, 2, {}]]]"))), "add", "output 2 of \"conv_b\"");
    }

    @Test
    void aMissingInputLayersEntryIsAGraphDisconnected() {
        assertMessage(refused(c -> ((ArrayNode) c.get("config").get("input_layers")).remove(1)),
                "Graph disconnected", "in_b");
        assertMessage(refused(c -> ((ObjectNode) c.get("config")).remove("input_layers")), "input_layers");
        assertMessage(refused(c -> ((ObjectNode) c.get("config")).putArray("output_layers")), "output_layers");
    }

    @Test
    void unknownClassesAreListedAtOnceWithTheirNodes() {
        IllegalArgumentException e = refused(c -> {
            layerEntry(c, "relu").put("class_name", "Swoosh");
            layerEntry(c, "conv_b").put("class_name", "Mystery");
            layerEntry(c, "dense").put("class_name", "Mystery");
        });
        assertTrue(e instanceof UnknownLayerException);
        assertMessage(e, "2 classes", "Swoosh (relu)", "Mystery (conv_b, dense)");
    }

    @Test
    void malformedInboundNodesAreRefusedNamingTheLayer() {
        assertMessage(refused(c -> layerEntry(c, "conv_b").set("inbound_nodes",
                GraphConfigs.json("[[\"in_a\", 0, 0, {}]]"))), "layer \"conv_b\"", "malformed inbound node");
        assertMessage(refused(c -> layerEntry(c, "conv_b").set("inbound_nodes",
                GraphConfigs.json("[[[\"in_a\", \"zero\", 0, {}]]]"))), "layer \"conv_b\"", "[layer_name, node_index");
        assertMessage(refused(c -> layerEntry(c, "conv_b").set("inbound_nodes", GraphConfigs.json("[[]]"))),
                "layer \"conv_b\"", "empty inbound node");
        assertMessage(refused(c -> layerEntry(c, "add").set("inbound_nodes",
                GraphConfigs.json("[[[\"relu\", 0, 0, {}], [\"in_a\", 0, 0, {}]]]"))),
                "\"add\" (Add) got shapes (None, 8, 8, 4) and (None, 8, 8, 3)");
        assertMessage(refused(c -> layerEntry(c, "concat").put("name", "add")), "two layers named \"add\"");
    }

    @Test
    void layersMadeBeforeALaterRefusalAreClosed() {
        GraphConfigs.RecordingWeights failing = new GraphConfigs.RecordingWeights("dense");
        assertThrows(IllegalArgumentException.class, () -> ModelConfigs.build(GraphConfigs.valid(), failing));
        assertTrue(failing.seen.size() >= 4, "layers given weights before the failure: " + failing.seen);
        for (Layer l : failing.seen) assertTrue(l.isClosed(), l.name());
        GraphConfigs.RecordingWeights leftOver = new GraphConfigs.RecordingWeights() {
            @Override
            public List<String> unused() {
                return List.of("extra/kernel");
            }
        };
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelConfigs.build(GraphConfigs.valid(), leftOver)),
                "extra/kernel");
        assertEquals(4, leftOver.seen.size()); // conv_a, bn, conv_b, dense: every layer with weights
        for (Layer l : leftOver.seen) assertTrue(l.isClosed(), l.name());
    }

    // ---- mutated configs ------------------------------------------------------------------

    /**
     * Random structural mutations of a valid config (references dropped, renamed, swapped,
     * re-indexed, made malformed; layers deleted, renamed onto others; endpoints changed): each
     * config either builds a model that predicts (fused and unfused alike) or is refused with an
     * IllegalArgumentException; never another exception, and nothing it made is left open.
     */
    @Test
    void mutatedConfigsBuildCorrectlyOrAreRefusedWithIllegalArgument() {
        int built = 0;
        int refused = 0;
        for (int i = 0; i < 300; i++) {
            SplittableRandom r = new SplittableRandom(1000 + i);
            ObjectNode c = GraphConfigs.valid();
            List<String> what = new ArrayList<>();
            int count = 1 + r.nextInt(3);
            for (int k = 0; k < count; k++) what.add(mutate(c, r));
            GraphConfigs.RecordingWeights w = new GraphConfigs.RecordingWeights();
            Model m;
            try {
                m = ModelConfigs.build(c, w);
            } catch (IllegalArgumentException e) {
                refused++;
                for (Layer l : w.seen) assertTrue(l.isClosed(), "case " + i + " " + what + ": " + l.name() + " left open");
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + i + " " + what + ": " + e + "\n" + c, e);
            }
            try (m) {
                built++;
                predictsAlikeFusedAndUnfused(m, "case " + i + " " + what);
            }
        }
        assertTrue(built > 10 && refused > 100, "built " + built + ", refused " + refused);
    }

    private static void predictsAlikeFusedAndUnfused(Model m, String what) {
        List<Tensor> in = new ArrayList<>();
        int seed = 0;
        for (long[] s : m.inputShapes()) {
            long[] shape = s.clone();
            shape[0] = 2;
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            in.add(Tensor.of(kdnn.TestData.random(new SplittableRandom(seed++), n), shape));
        }
        try {
            m.setFusion(true);
            List<Tensor> fused = m.predict(in);
            m.setFusion(false);
            List<Tensor> plain = m.predict(in);
            for (int k = 0; k < fused.size(); k++) {
                GraphReference.assertClose(plain.get(k).toFloatArray(), fused.get(k).toFloatArray(), 1e-5);
            }
            fused.forEach(Tensor::close);
            plain.forEach(Tensor::close);
        } catch (RuntimeException e) {
            fail(what + ": a model that built failed to predict: " + e, e);
        } finally {
            in.forEach(Tensor::close);
        }
    }

    private static final String[] NAMES = {"in_a", "conv_a", "bn", "relu", "conv_b", "add", "gap", "in_b", "concat", "dense",
        "nope"};

    private static String mutate(ObjectNode c, SplittableRandom r) {
        ArrayNode layers = (ArrayNode) c.get("config").get("layers");
        ObjectNode layer = (ObjectNode) layers.get(r.nextInt(layers.size()));
        String name = layer.path("name").asText();
        ArrayNode nodes = layer.path("inbound_nodes").isArray() ? (ArrayNode) layer.get("inbound_nodes") : null;
        ArrayNode refs = nodes != null && nodes.size() > 0 && nodes.get(0).isArray() && nodes.get(0).size() > 0
                && nodes.get(0).get(0).isArray() ? (ArrayNode) nodes.get(0) : null;
        ArrayNode ref = refs == null ? null : (ArrayNode) refs.get(r.nextInt(refs.size()));
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (r.nextInt(12)) {
            case 0 -> {
                if (refs == null) return "nothing";
                refs.remove(r.nextInt(refs.size()));
                return "drop a reference of " + name;
            }
            case 1 -> {
                if (ref == null || ref.size() < 3) return "nothing";
                String to = NAMES[r.nextInt(NAMES.length)];
                ref.set(0, f.textNode(to));
                return name + " reads " + to;
            }
            case 2 -> {
                if (refs == null || refs.size() < 2) return "nothing";
                JsonNode first = refs.get(0);
                refs.set(0, refs.get(1));
                refs.set(1, first);
                return "swap the references of " + name;
            }
            case 3 -> {
                if (ref == null || ref.size() < 3) return "nothing";
                int v = new int[] {-1, 1, 2, Integer.MAX_VALUE}[r.nextInt(4)];
                ref.set(1, f.numberNode(v));
                return name + " reads node " + v;
            }
            case 4 -> {
                if (ref == null || ref.size() < 3) return "nothing";
                int v = new int[] {-1, 1, 5}[r.nextInt(3)];
                ref.set(2, f.numberNode(v));
                return name + " reads tensor " + v;
            }
            case 5 -> {
                layers.remove(r.nextInt(layers.size()));
                return "delete a layer";
            }
            case 6 -> {
                String to = NAMES[r.nextInt(NAMES.length - 1)];
                layer.put("name", to);
                ((ObjectNode) layer.get("config")).put("name", to);
                return "rename " + name + " to " + to;
            }
            case 7 -> {
                if (ref == null || ref.size() < 3) return "nothing";
                switch (r.nextInt(4)) {
                    case 0 -> refs.set(0, f.textNode("in_a"));
                    case 1 -> ref.removeAll();
                    case 2 -> ref.set(1, f.textNode("0"));
                    default -> ref.set(0, f.numberNode(3));
                }
                return "malform a reference of " + name;
            }
            case 8 -> {
                ArrayNode ends = (ArrayNode) c.get("config").get(r.nextBoolean() ? "input_layers" : "output_layers");
                switch (r.nextInt(3)) {
                    case 0 -> {
                        if (ends.size() > 0) ends.remove(r.nextInt(ends.size()));
                    }
                    case 1 -> ends.add(f.arrayNode().add(NAMES[r.nextInt(NAMES.length)]).add(0).add(0));
                    default -> {
                        if (ends.size() > 1) {
                            JsonNode first = ends.get(0);
                            ends.set(0, ends.get(1));
                            ends.set(1, first);
                        }
                    }
                }
                return "change an endpoint list";
            }
            case 9 -> {
                if (nodes == null) return "nothing";
                nodes.add(nodes.size() > 0 ? nodes.get(0).deepCopy() : f.arrayNode());
                return "call " + name + " once more";
            }
            case 10 -> {
                if (refs == null) return "nothing";
                refs.add(f.arrayNode().add(NAMES[r.nextInt(NAMES.length - 1)]).add(0).add(0).add(f.objectNode()));
                return "give " + name + " another input";
            }
            default -> {
                layer.put("class_name", new String[] {"Add", "Concatenate", "ReLU", "Nope", "InputLayer"}[r.nextInt(5)]);
                return "change the class of " + name;
            }
        }
    }
}

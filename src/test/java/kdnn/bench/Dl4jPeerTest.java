package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure-Java side of the DL4J peer (no DL4J, no Maven, no network): the float32 files it
 * exchanges with {@code benchmarks/dl4j}'s runner, the runner's JSON result line, and the
 * comparisons the benchmark prints.
 */
class Dl4jPeerTest {
    @Test
    void floatFilesAreLittleEndianFloat32(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.f32");
        float[] v = {1.0f, -2.5f, Float.MIN_VALUE, Float.NaN, 3.4e38f};
        Dl4jPeer.writeFloats(f, v);
        byte[] b = Files.readAllBytes(f);
        assertEquals(20, b.length);
        // 1.0f = 0x3f800000, least significant byte first
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, java.util.Arrays.copyOf(b, 4));
        assertArrayEquals(v, Dl4jPeer.readFloats(f));
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(assertThrowsIo(f).contains("3 bytes"));
    }

    private static String assertThrowsIo(Path f) {
        try {
            Dl4jPeer.readFloats(f);
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
        throw new AssertionError("no IOException");
    }

    @Test
    void resultLineIsTheLastMarkedLine() {
        String stdout = "SLF4J: no binder\nDL4J-RESULT {\"ok\": false}\nnoise\nDL4J-RESULT {\"a\": 1}\ntrailing\n";
        assertEquals("{\"a\": 1}", Dl4jPeer.resultLine(stdout));
        assertNull(Dl4jPeer.resultLine("no result here\n"));
    }

    @Test
    void successLineGivesFiguresAndOutputs(@TempDir Path dir) throws Exception {
        Path out0 = dir.resolve("output0.f32");
        Dl4jPeer.writeFloats(out0, new float[] {0.25f, 0.75f});
        String line = "{\"ok\": true, \"model_class\": \"ComputationGraph\", \"import_ms\": 412.5, \"first_call_us\": 900.0,"
                + " \"median_us\": 120.25, \"samples\": 7, \"threads\": 2, \"nd4j_max_threads\": 2, \"blas\": \"OPENBLAS\","
                + " \"java\": \"17.0.15\", \"outputs\": [{\"file\": \"" + out0.toString().replace("\\", "\\\\")
                + "\", \"shape\": [1, 2]}]}";
        Dl4jPeer.Result r = Dl4jPeer.parse(line);
        assertTrue(r.ok(), r.error());
        assertEquals("ComputationGraph", r.modelClass());
        assertEquals(412.5, r.importMs());
        assertEquals(900.0, r.firstCallUs());
        assertEquals(120.25, r.medianUs());
        assertEquals(7, r.samples());
        assertEquals("17.0.15", r.java());
        assertArrayEquals(new long[] {1, 2}, r.outputShapes().get(0));
        assertArrayEquals(new float[] {0.25f, 0.75f}, r.outputs().get(0));
        assertTrue(Dl4jPeer.compare(r, new long[] {1, 2}, new float[] {0.25f, 0.75f}).startsWith("ok"));
        assertTrue(Dl4jPeer.compare(r, new long[] {2, 1}, new float[] {0.25f, 0.75f}).startsWith("MISMATCH (shape"));
        assertTrue(Dl4jPeer.compare(r, new long[] {1, 2}, new float[] {0.25f, 0.5f}).startsWith("MISMATCH"));
    }

    @Test
    void refusalLineKeepsDl4jsWords() throws Exception {
        String line = "{\"ok\": false, \"stage\": \"import\", \"exception\":"
                + " \"org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException\","
                + " \"message\": \"Unsupported keras layer type Sequential. Please file an issue at x.\","
                + " \"where\": \"KerasLayer.getKerasLayerFromConfig:1\"}";
        Dl4jPeer.Result r = Dl4jPeer.parse(line);
        assertTrue(!r.ok());
        assertEquals("DL4J import: UnsupportedKerasConfigurationException: Unsupported keras layer type Sequential."
                + " Please file an issue at x. [at KerasLayer.getKerasLayerFromConfig:1]", r.error());
        assertTrue(r.outputs().isEmpty());
    }

    @Test
    void shapesGoAsCommaLists() {
        assertEquals("1,224,224,3", Dl4jPeer.shape(new long[] {1, 224, 224, 3}));
    }

    @Test
    void fileCheckComparesWithinTheExamplesTolerances() {
        Dl4jFileCheck.Example ex = new Dl4jFileCheck.Example(List.of(new long[] {1, 1}), List.of(new float[] {0}),
                List.of(new long[] {1, 2}), List.of(new float[] {1f, 100f}), 1e-3, 1e-3);
        assertTrue(Dl4jFileCheck.compare(List.of(new long[] {1, 2}), List.of(new float[] {1.0005f, 100.05f}), ex)
                .startsWith("ok"));
        String differs = Dl4jFileCheck.compare(List.of(new long[] {1, 2}), List.of(new float[] {1.01f, 100f}), ex);
        assertTrue(differs.startsWith("DIFFERS") && differs.contains("output 0[0]"), differs);
        assertTrue(Dl4jFileCheck.compare(List.of(new long[] {2, 1}), List.of(new float[] {1f, 100f}), ex)
                .contains("shape [2, 1]"));
        assertTrue(Dl4jFileCheck.compare(List.of(), List.of(), ex).startsWith("DIFFERS (0 outputs"));
    }
}

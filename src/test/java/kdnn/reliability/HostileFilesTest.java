package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Malformed model files and layer configs (truncated weights, wrong dtype, dimensions whose byte
 * size overflows a long, ...) are refused before any native call: the cases run in a child JVM
 * whose native library cannot load, so any oneDNN call would fail with NativeLibraryException
 * instead of the refusal.
 */
class HostileFilesTest {
    @Test
    void malformedFilesAndConfigsAreRefusedBeforeAnyNativeCall() throws Exception {
        ChildJvm.Result r = ChildJvm.run(RefusalProbe.class, List.of("-Dkdnn.library.path=/nonexistent/libdnnl.so.3"));
        assertEquals(0, r.exit(), r.output());
        Map<String, String[]> got = new LinkedHashMap<>();
        r.output().lines().filter(l -> l.contains("\t")).forEach(l -> {
            String[] p = l.split("\t", 3);
            got.put(p[0], new String[] {p[1], p.length > 2 ? p[2] : ""});
        });
        // case -> what the message must name
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("truncated weights", "bytes");
        expected.put("wrong dtype", "float16");
        expected.put("int32 dtype", "int32");
        expected.put("dimensions overflow a long", "too large");
        expected.put("negative dimension", "-3");
        expected.put("extra weight bytes", "bytes");
        expected.put("weights file missing", "nope.bin");
        expected.put("model.json truncated", "JSON");
        expected.put("kernel_size overflow", "kernel");
        expected.put("filters a string", "filters");
        expected.put("batch_input_shape huge", "");
        expected.put("layer config not an object", "config");
        expected.put("layer config unknown initializer", "kernel_initializer");
        expected.put("layer kernel too large", "kernel");
        expected.put("bare config, weights short", "weight");
        StringBuilder problems = new StringBuilder();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String[] g = got.get(e.getKey());
            if (g == null) {
                problems.append(e.getKey()).append(": no result\n");
            } else if (!(g[0].equals(IllegalArgumentException.class.getName()) || g[0].equals("java.io.IOException")
                    || g[0].equals("java.nio.file.NoSuchFileException"))) {
                problems.append(e.getKey()).append(": ").append(g[0]).append(" ").append(g[1]).append('\n');
            } else if (!g[1].contains(e.getValue())) {
                problems.append(e.getKey()).append(": message does not name '").append(e.getValue()).append("': ")
                        .append(g[1]).append('\n');
            }
        }
        assertTrue(problems.isEmpty(), problems + "\nchild output:\n" + r.output());
    }
}

package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import kdnn.runtime.Threads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kdnn bench --handoff}: its records, a rate no call route can beat, and its refusals. */
class HandoffBenchTest {
    @Test
    void measuresEveryBodyAndRequestThreadCountWithinWhatTheGateAllows(@TempDir Path dir) throws Exception {
        assumeTrue(Threads.controllable(), "compute threads serve OpenMP builds only");
        Path json = dir.resolve("handoff.json");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int before = Threads.count();
        assertEquals(0, BenchMain.run(new String[] {"--handoff", "--threads", "2", "--window-ms", "120", "--json",
                json.toString()}, new PrintStream(text, true, StandardCharsets.UTF_8)));
        assertEquals(before, Threads.count(), "the thread count is restored");
        JsonNode records = new ObjectMapper().readTree(json.toFile());
        assertEquals(HandoffBench.BODIES_US.length * RequestThreads.LEVELS.length, records.size());
        // one turn at a time per cores / 2: no route runs bodies faster than that many at their own rate
        int atOnce = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        for (JsonNode r : records) {
            double perSecond = r.get("calls_per_s").asDouble();
            double ceiling = atOnce * 1e6 / r.get("body_us").asLong();
            assertTrue(perSecond > 0 && perSecond <= ceiling * 1.02, r + " against at most " + ceiling);
        }
        String printed = text.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("| 200 | 5000 |") && printed.contains("| 2000 | 500 |"), printed);
    }

    @Test
    void refusesOneThreadCalls() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchMain.run(new String[] {"--handoff", "--threads", "1"}, System.out));
        assertTrue(e.getMessage().contains("--threads must be >= 2") && e.getMessage().contains("got 1"), e.getMessage());
    }
}

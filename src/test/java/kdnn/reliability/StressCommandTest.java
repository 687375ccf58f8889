package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import kdnn.TestData;
import kdnn.cli.Stress;
import org.junit.jupiter.api.Test;

/** A short {@code kdnn stress} over the shared golden cases: many calls, no mismatch, no error. */
class StressCommandTest {
    @Test
    void twoSecondsOfStressOverTheGoldenCases() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = Stress.main(new String[] {TestData.goldenCases().toString(), "--threads", "8", "--seconds", "2"}, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("calls=\\d+ mismatches=0 errors=0"), text);
        long calls = Long.parseLong(last.replaceAll("calls=(\\d+).*", "$1"));
        assertTrue(calls > 100, "only " + calls + " calls in 2 s:\n" + text);
        assertEquals(0, status, text);
    }

    @Test
    void badArgumentsGiveUsageAndStatusTwo() throws Exception {
        assertEquals(2, Stress.main(new String[] {}, System.out));
        assertEquals(2, Stress.main(new String[] {"dir", "--threads", "0"}, System.out));
        assertEquals(2, Stress.main(new String[] {"dir", "--seconds", "x"}, System.out));
    }
}

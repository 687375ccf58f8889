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
            status = Stress.main(new String[] {TestData.goldenCases().toString(), "--threads", "8", "--seconds", "2"}, out, out);
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
    void badArgumentsGiveTheProblemAndUsageOnStderrAndStatusTwo() throws Exception {
        assertBad("kdnn stress: no DIR given");
        assertBad("kdnn stress: --threads must be >= 1, got 0", "dir", "--threads", "0");
        assertBad("kdnn stress: a number expected, For input string: \"x\"", "dir", "--seconds", "x");
        assertBad("kdnn stress: --seconds needs a value", "dir", "--seconds");
        assertBad("kdnn stress: unexpected argument '--fast'", "dir", "--fast");
    }

    private static void assertBad(String problem, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Stress.main(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals(problem, text.lines().findFirst().orElse(""), text);
        assertTrue(text.contains("usage: kdnn stress DIR [--threads N] [--seconds S]"), text);
    }
}

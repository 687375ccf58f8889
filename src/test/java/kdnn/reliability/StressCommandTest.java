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
        stress(TestData.goldenCases());
    }

    @Test
    void twoSecondsOfStressOverTheSurroundingLayersMergesIncluded() throws Exception {
        String text = stress(TestData.goldenSurrounding());
        assertTrue(java.nio.file.Files.exists(TestData.goldenSurrounding().resolve("subtract_4d.json"))
                && !text.contains("subtract_4d"), "a merge layer's case runs on its list of inputs:\n" + text);
    }

    /** Two seconds of {@code kdnn stress} over {@code dir} from 8 threads: many calls, none wrong; the output. */
    private static String stress(java.nio.file.Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = Stress.main(new String[] {dir.toString(), "--threads", "8", "--seconds", "2"}, out, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("calls=\\d+ mismatches=0 errors=0"), text);
        long calls = Long.parseLong(last.replaceAll("calls=(\\d+).*", "$1"));
        assertTrue(calls > 100, "only " + calls + " calls in 2 s:\n" + text);
        assertEquals(0, status, text);
        return text;
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

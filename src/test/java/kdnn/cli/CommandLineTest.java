package kdnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kdnn.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: status, what goes to stdout and what to stderr. */
class CommandLineTest {
    static final List<String> COMMANDS = List.of("test", "docs", "demo", "info", "golden", "run", "stress", "bench");

    record Run(int status, String out, String err) {
    }

    static Run kdnn(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownCommandIsNamedOnStderrWithTheCommandList() throws Exception {
        Run r = kdnn("bogus");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertEquals("kdnn: unknown command 'bogus'", r.err().lines().findFirst().orElseThrow(), r.err());
        for (String c : COMMANDS) assertTrue(r.err().contains("\n  " + c + " "), c + " listed:\n" + r.err());
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        for (String[] args : List.of(new String[] {}, new String[] {"help"}, new String[] {"--help"}, new String[] {"-h"})) {
            Run r = kdnn(args);
            assertEquals(0, r.status(), r.err());
            assertEquals("", r.err());
            assertTrue(r.out().startsWith("usage: kdnn COMMAND"), r.out());
            for (String c : COMMANDS) assertTrue(r.out().contains("\n  " + c + " "), c + " listed:\n" + r.out());
        }
    }

    @Test
    void everyCommandPrintsItsUsageOnHelp() throws Exception {
        for (String c : COMMANDS) {
            for (String flag : List.of("--help", "-h")) {
                Run r = kdnn(c, flag);
                assertEquals(0, r.status(), c + " " + flag + ": " + r.err());
                assertEquals("", r.err(), c);
                assertTrue(r.out().startsWith("usage: kdnn " + c), c + " " + flag + ":\n" + r.out());
                assertTrue(r.out().lines().count() >= 2, "a line saying what " + c + " does:\n" + r.out());
            }
        }
    }

    @Test
    void wrongArgumentsSayWhatIsWrongOnStderr() throws Exception {
        Run golden = kdnn("golden");
        assertEquals(2, golden.status());
        assertEquals("", golden.out());
        assertTrue(golden.err().startsWith("usage: kdnn golden DIR..."), golden.err());

        Run info = kdnn("info", "extra");
        assertEquals(2, info.status());
        assertTrue(info.err().startsWith("kdnn info: unexpected argument 'extra'\nusage: kdnn info"), info.err());

        Run run = kdnn("run", TestData.models().resolve("audio_1d").toString(), "--fast");
        assertEquals(2, run.status());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("kdnn run: unknown or incomplete argument '--fast'\nusage: kdnn run MODEL"),
                run.err());

        Run missing = kdnn("golden", "/nonexistent-kdnn-cases");
        assertEquals(2, missing.status());
        assertEquals("kdnn golden: no golden case folder at /nonexistent-kdnn-cases\n", missing.err());
    }

    /** Keras 2.3.1's generator files: the stored prediction beside NAME_model.h5 or NAME_config.json is found and compared. */
    @Test
    void runComparesWithTheHdf5PredictionKerasStoredBesideTheModel(@TempDir Path tmp) throws Exception {
        Path dir = TestData.kerasFiles().resolve("keras-2.3.1-conv1d");
        String name = "conv1d_k3_s2_d1_cl_same";
        Run full = kdnn("run", dir.resolve(name + "_model.h5").toString());
        assertEquals(0, full.status(), full.out() + full.err());
        assertTrue(full.out().lines().reduce((a, b) -> b).orElseThrow().matches("PASS " + name + "_model\\.h5 \\S+"),
                full.out());
        assertTrue(full.out().contains("max abs difference from the expected output: "), "compared, not only run:\n" + full.out());
        // what a program that starts, loads a model and answers one request waits for
        assertTrue(full.out().lines().anyMatch(l -> l.matches(
                "times in this process: load \\d+\\.\\d ms, plan \\d+\\.\\d ms, first prediction \\d+\\.\\d ms")), full.out());
        Run split = kdnn("run", dir.resolve(name + "_config.json").toString(), "--weights", dir.resolve(name + "_weights.h5").toString());
        assertEquals(0, split.status(), split.out());
        assertTrue(split.out().contains("max abs difference from the expected output: "), split.out());
        assertEquals("", split.err());

        // another model's stored prediction is refused by the layer it lacks; a wrong one fails on a value
        Run other = kdnn("run", dir.resolve(name + "_model.h5").toString(), "--expected",
                TestData.models().resolve("audio_1d/model.h5").toString());
        assertEquals(1, other.status());
        assertTrue(other.out().contains("has no group 'inputs/'; expected groups inputs/ and outputs/"), other.out());
        Path copy = tmp.resolve(name + "_model.h5");
        Files.copy(dir.resolve(name + "_model.h5"), copy);
        // the kernel-2 model's prediction: the same shapes, other values
        Files.copy(dir.resolve(name.replace("_k3_", "_k2_") + "_inputs_and_outputs.h5"), tmp.resolve(name + "_inputs_and_outputs.h5"));
        Run wrong = kdnn("run", copy.toString());
        assertEquals(1, wrong.status(), wrong.out());
        assertTrue(wrong.out().lines().reduce((a, b) -> b).orElseThrow().startsWith("FAIL " + name + "_model.h5 value "), wrong.out());
    }

    @Test
    void infoShowsNoPlaceholders() throws Exception {
        Run r = kdnn("info");
        assertEquals(0, r.status(), r.err());
        assertFalse(r.out().contains("N/A"), r.out());
        assertTrue(r.out().matches("(?s)oneDNN version: +3\\.\\d+\\.\\d+\\S*(?: \\(commit \\w+\\))?\n.*"), r.out());
        assertTrue(r.out().contains("\nthread policy:    split_when_same (last-level cache "), r.out());
        assertFalse(Info.knownHash("N/A"));
        assertFalse(Info.knownHash(""));
        assertTrue(Info.knownHash("2b8ab3c"));
    }

    @Test
    void goldenPassesAnErrorCaseRefusedAsAnUnknownLayerClass(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("error_unknown_class.json"), """
                {"name": "error_unknown_class", "layer": {"class_name": "NoSuchLayer", "config": {}},
                 "input": {"shape": [1, 4]}, "expect_error": true, "why": "Keras has no such layer"}""");
        Files.writeString(dir.resolve("unknown_class.json"), """
                {"name": "unknown_class", "layer": {"class_name": "NoSuchLayer", "config": {}},
                 "input": {"shape": [1, 4], "data": [1, 2, 3, 4]}, "output": {"shape": [1, 4], "data": [1, 2, 3, 4]}}""");
        Run r = kdnn("golden", dir.toString());
        assertEquals(List.of("PASS error_unknown_class refused: layer class NoSuchLayer is not implemented",
                "FAIL unknown_class layer class NoSuchLayer is not implemented", "1 passed, 1 failed"), r.out().lines().toList());
        assertEquals(1, r.status());
    }

    @Test
    void demoReportsSteadyStateTimeAndLabelsTheFirstPrediction() throws Exception {
        Run r = kdnn("demo");
        assertEquals(0, r.status(), r.out() + r.err());
        Matcher steady = Pattern.compile("(?m)^batch \\[\\(2, .*\\]: ([0-9.]+) us per batch \\(median of (\\d+) single"
                + " predictions into preallocated outputs, after (\\d+) warm-up calls\\)$").matcher(r.out());
        Matcher first = Pattern.compile("(?m)^first prediction: ([0-9.]+) us \\(plans the model, creates the oneDNN primitives"
                + " and reorders the weights\\)$").matcher(r.out());
        // the Sequential golden models, then the functional ones
        for (String model : List.of("audio_1d", "cnn_classifier", "mobilenet_v2_tiny", "nested", "resnet_tiny",
                "two_inputs_two_outputs", "unet_skips", "wavenet_gated")) {
            assertTrue(steady.find(), model + ": steady-state line\n" + r.out());
            assertTrue(first.find(), model + ": first-prediction line\n" + r.out());
            assertTrue(Integer.parseInt(steady.group(2)) >= SteadyState.MIN_SAMPLES, steady.group());
            assertTrue(Integer.parseInt(steady.group(3)) >= SteadyState.WARMUP_CALLS, steady.group());
            assertTrue(r.out().contains("PASS " + model + " max abs difference from Keras"), r.out());
        }
        assertTrue(r.out().endsWith("8 passed, 0 failed\n"), r.out());
    }

    @Test
    void steadyStateIsTheMedianOfSingleCallsAfterTheWarmUp() {
        int[] calls = {0};
        SteadyState s = SteadyState.measure(() -> {
            // the first calls are slow, as a first prediction is; they fall in the warm-up
            long until = System.nanoTime() + (calls[0]++ < 5 ? 20_000_000 : 10_000);
            while (System.nanoTime() < until) Thread.onSpinWait();
        });
        assertEquals(calls[0], s.samples() + s.warmups());
        assertTrue(s.warmups() >= SteadyState.WARMUP_CALLS && s.samples() >= SteadyState.MIN_SAMPLES, s.toString());
        assertTrue(s.medianUs() >= 10 && s.medianUs() < 10_000, s.toString());
    }
}

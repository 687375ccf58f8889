package kdnn.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The usage text of every command: {@code kdnn}, {@code kdnn COMMAND --help} and a wrong argument print it. */
final class Usage {
    /** A command's synopsis lines (after "kdnn "), a one-line summary and what it does in full. */
    private record Command(String synopsis, String summary, String description) {
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        add("test [MAVEN_OPTIONS...]", "run the test suite (mvn verify), what CI runs",
                "run the whole test suite (mvn verify), what CI runs; -Dtest='Conv*' runs some tests only");
        add("docs", "build the Javadoc of kdnn's API and print where it is", """
                build the Javadoc of the packages module kdnn exports (mvn javadoc:javadoc) and print the path of
                its index.html""");
        add("demo", "run the Keras models: summary, time per batch, agreement with Keras", """
                run the Keras models of ../shared/models (else the copies bundled with kdnn): each one's summary,
                steady-state time per batch, first prediction's time and agreement with Keras""");
        add("info", "what oneDNN kdnn runs on", "oneDNN version, CPU ISA, threading runtime, thread count, library file");
        add("golden DIR...", "run golden layer cases against Keras' outputs and refusals", """
                run the golden layer cases of each folder: "PASS name max_abs_err" or "FAIL name reason" per case,
                then "N passed, M failed"; exit status 0 only when none failed""");
        add("run MODEL [--weights FILE] [--input FILE] [--expected FILE]",
                "run one Keras model file and compare its outputs", """
                load a model (a Keras 2 .h5, a Keras 3 .keras, a TF.js folder or model.json, or a config .json with
                --weights; a folder may hold model.json, model.keras or model.h5, or be Keras 3's unzipped save:
                config.json, metadata.json, model.weights.h5), print its summary, run it on
                the input file (else the expected file, else a generated batch) and compare with the expected outputs
                (--expected, default NAME_inputs_and_outputs.h5 beside NAME_model.h5 or NAME_config.json, else
                expected.json beside the model). Input and expected files are JSON ("input"/"output", or
                "inputs"/"outputs" lists for several) or HDF5 with groups inputs/ and outputs/ holding one dataset
                per input and output layer, named after it, as Keras' model-import test generators write them;
                then this process's load, plan and first-prediction times (what a program that starts and answers
                one request waits for); last line "PASS name max_abs_err" or "FAIL name reason\"""");
        add("summary MODEL [--weights FILE]", "print a model's summary and its plan", """
                load a model as `run` does and print Keras' summary, then the plan kdnn runs (fused operations,
                layouts, buffers) for the declared input shapes with batch 1""");
        add("convert IN OUT", "convert a model file into another format", """
                load a model as `run` does and save it in the format OUT's name says: OUT.keras (Keras 3 zip),
                OUT.h5 (Keras 2 HDF5), OUT/model.json or a folder (TensorFlow.js); last line "wrote OUT (...)\"""");
        add("stress DIR [--threads N] [--seconds S]", "call golden cases from many threads at once, compared bitwise", """
                call every golden case of DIR from N >= 1 threads for S > 0 seconds, layers shared, results compared
                bitwise with single-threaded ones; last line "calls=C mismatches=M errors=E\"""");
        add("""
                bench [--quick] [--threads N] [--json FILE] [--chart FILE.png] [--shapes a,b] [--rounds R]
                      [--impls kdnn,native,onnxruntime,reference,kdnn-bf16] [--jmh] [--gc]
                bench --models [DIR...] [--quick] [--threads N] [--rounds R] [--json FILE]
                bench --layers [--quick] [--threads N] [--rounds R] [--json FILE] [--rows a,b]
                bench --dl4j-files [DIR...] [--threads N] [--keep] [--json FILE]
                bench --handoff [--threads N] [--window-ms MS] [--json FILE]""",
                "the benchmarks: kdnn against the C floor, ONNX Runtime and the reference", """
                the benchmark suite: kdnn against the C floor, ONNX Runtime and the pure-Java reference
                (its first use builds the test classes and fetches the benchmark-only dependencies)""");
    }

    private static void add(String synopsis, String summary, String description) {
        String name = synopsis.strip().split("\\s", 2)[0];
        COMMANDS.put(name, new Command(synopsis.strip(), summary, description.strip()));
    }

    private Usage() {
    }

    static boolean known(String command) {
        return COMMANDS.containsKey(command);
    }

    /** Every command with the first line of what it does, for {@code kdnn}, {@code kdnn help} and an unknown command. */
    static String overview() {
        StringBuilder s = new StringBuilder("usage: kdnn COMMAND [ARGUMENTS...]   (kdnn COMMAND --help: one command's usage)\n");
        for (var e : COMMANDS.entrySet()) {
            s.append(String.format("  %-8s %s%n", e.getKey(), e.getValue().summary()));
        }
        return s.toString();
    }

    /** One command's usage: its synopsis, then what it does. */
    static String of(String command) {
        Command c = COMMANDS.get(command);
        StringBuilder s = new StringBuilder();
        for (String line : c.synopsis().lines().toList()) {
            boolean form = line.startsWith(command); // else a continuation of the form above
            s.append(!form ? "            " : s.isEmpty() ? "usage: kdnn " : "       kdnn ").append(line).append('\n');
        }
        c.description().lines().forEach(line -> s.append("  ").append(line).append('\n'));
        return s.toString();
    }

    /** True when the arguments ask for help. */
    static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) return true;
        }
        return false;
    }
}

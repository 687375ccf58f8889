package kdnn.cli;

import java.nio.file.Path;
import java.util.Arrays;

/** The kdnn command line: {@code kdnn golden|info|demo ...}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        int status;
        try {
            if (!cmd.equals("help")) {
                kdnn.runtime.NativeLibrary.load(); // a library problem is one clear line, before any layer exists
            }
            status = switch (cmd) {
                case "golden" -> golden(rest);
                case "info" -> Info.print(System.out);
                case "demo" -> Demo.run(System.out);
                case "run" -> ModelRun.main(rest, System.out);
                case "stress" -> Stress.main(rest, System.out);
                default -> usage();
            };
        } catch (kdnn.runtime.NativeLibraryException e) {
            System.err.println("kdnn: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private static int golden(String[] dirs) throws Exception {
        if (dirs.length == 0) {
            System.err.println("usage: kdnn golden DIR...");
            return 2;
        }
        try {
            return GoldenRunner.runAll(System.out, Arrays.stream(dirs).map(Path::of).toArray(Path[]::new)) == 0 ? 0 : 1;
        } catch (java.io.IOException e) {
            System.out.println("kdnn golden: " + e.getMessage());
            return 2;
        }
    }

    private static int usage() {
        System.out.println("""
                usage: kdnn COMMAND
                  test                 run the test suite (mvn verify)
                  demo                 run the Keras models (../shared/models and bundled copies): summary, time, agreement
                  run MODEL_DIR [--input FILE.json]
                                       load a TensorFlow.js layers model, run it, compare with expected.json
                  info                 oneDNN version, CPU ISA, threading, library file
                  golden DIR...        run golden layer cases; last line "N passed, M failed"
                  stress DIR [--threads N] [--seconds S]
                                       call every golden case of DIR from N threads for S seconds, shared
                                       layers, results compared bitwise; last line "calls=C mismatches=M errors=E"
                  bench [--quick] [--threads N] [--json FILE]
                                       the benchmark suite: kdnn vs the C floor, ONNX Runtime, the reference
                """);
        return 2;
    }
}
